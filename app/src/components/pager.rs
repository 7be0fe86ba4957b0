//! Lists a page at a time: addresses that carry a page's state, and the pager under a list.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::location::Url;

/// `path?key=value&…` with the values escaped; `path` alone without parameters.
pub fn href(path: &str, params: Vec<(&'static str, String)>) -> String {
    let params: Vec<String> = params
        .into_iter()
        .map(|(key, value)| format!("{key}={}", Url::escape(&value)))
        .collect();
    if params.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", params.join("&"))
    }
}

/// Goes to `href` with `navigate` (from `use_navigate`), keeping the scroll position; with
/// `replace`, in place of the current history entry (for typing, which would add one a key).
pub fn go(navigate: &impl Fn(&str, NavigateOptions), href: &str, replace: bool) {
    navigate(
        href,
        NavigateOptions {
            replace,
            scroll: false,
            ..Default::default()
        },
    );
}

/// Where the page is in the list ("51–100 of 2000 · page 2 of 40") and links to the first,
/// previous, next and last pages (plain links: they work before hydration, and Back returns).
#[component]
pub fn Pager(
    /// The page shown, from 1.
    page: Signal<u32>,
    page_size: u32,
    /// Items matching, on every page.
    matching: Signal<u64>,
    /// Items on this page.
    shown: Signal<usize>,
    /// The address of a page.
    to: Callback<u32, String>,
    /// `data-testid` of the position text.
    testid: &'static str,
) -> AnyView {
    let size = u64::from(page_size);
    let pages = move || matching.get().div_ceil(size).max(1);
    let current = move || u64::from(page.get().max(1));
    let range = move || {
        let first = (current() - 1) * size + 1;
        let last = (first - 1 + shown.get() as u64).min(matching.get());
        format!("{first}–{last} of {}", matching.get())
    };
    let link = move |label: &'static str,
                     target: fn(u64, u64) -> Option<u64>,
                     rel: &'static str| {
        move || match target(current(), pages()) {
            Some(n) => {
                let href = to.run(u32::try_from(n).unwrap_or(u32::MAX));
                view! { <a class="button secondary" href=href rel=rel>{label}</a> }.into_any()
            }
            None => view! { <span class="button secondary" aria-disabled="true">{label}</span> }
                .into_any(),
        }
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {link("First", |page, _| (page > 1).then_some(1), "first")}
            {link("Previous", |page, _| (page > 1).then(|| page - 1), "prev")}
            <span data-testid=testid>{range} " · page " {current} " of " {pages}</span>
            {link("Next", |page, pages| (page < pages).then(|| page + 1), "next")}
            {link("Last", |page, pages| (page < pages).then_some(pages), "last")}
        </nav>
    }
    .into_any()
}
