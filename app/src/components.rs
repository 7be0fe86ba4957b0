//! Small reusable views.

pub mod charts;
pub mod message_log;
pub mod pager;

pub use message_log::MessageLog;

use crate::dto::CurrentUser;
use crate::live::LinkState;
use leptos::prelude::*;

/// Who is signed in, for every component below the app.
#[derive(Debug, Clone, Copy)]
pub struct User(Resource<Result<CurrentUser, crate::dto::AppError>>);

/// Loads who is signed in and shares it; answers it as a signal (none while loading or if the
/// server says nobody).
pub fn provide_user() -> Signal<Option<CurrentUser>> {
    let user = User(Resource::new(|| (), |_| crate::api::whoami()));
    provide_context(user);
    use_user()
}

/// Who is signed in (none while loading).
pub fn use_user() -> Signal<Option<CurrentUser>> {
    let user = use_context::<User>();
    Signal::derive(move || user.and_then(|User(r)| r.get()).and_then(Result::ok))
}

/// Whether the signed-in user may send commands and change things.
pub fn may_operate() -> Signal<bool> {
    user_is(CurrentUser::may_operate)
}

/// Whether the signed-in user is an admin.
pub fn is_admin() -> Signal<bool> {
    user_is(CurrentUser::is_admin)
}

fn user_is(test: fn(&CurrentUser) -> bool) -> Signal<bool> {
    let user = use_user();
    Signal::derive(move || user.with(|u| u.as_ref().is_some_and(test)))
}

/// The signed-in user, their role, and the way out.
#[component]
pub fn UserMenu(user: CurrentUser) -> impl IntoView {
    view! {
        <span class="user-menu">
            <span data-testid="user" data-role=user.role.clone()>
                {user.username.clone()}
                <span class="muted">{format!(" · {}", user.role)}</span>
            </span>
            // A plain form: signing out works before (and without) the page's code.
            <form method="post" action="/logout">
                <input type="hidden" name="csrf" value=user.csrf_token.clone() />
                <button class="button small secondary" type="submit">
                    "Sign out"
                </button>
            </form>
        </span>
    }
}

/// Shows whether the page receives live updates.
#[component]
pub fn LinkBadge(
    /// The state of the event stream.
    #[prop(into)]
    state: Signal<LinkState>,
) -> impl IntoView {
    let label = move || match state.get() {
        LinkState::Connecting => "connecting",
        LinkState::Live => "live",
        LinkState::Reconnecting => "reconnecting",
    };
    view! {
        <span class="link-badge" data-state=label title="Live updates from the server">
            <span class="dot"></span>
            {label}
        </span>
    }
}

/// A labelled number on the overview.
#[component]
pub fn Stat(
    /// What is counted.
    label: &'static str,
    /// The count.
    #[prop(into)]
    value: Signal<String>,
    /// `data-testid` of the value, for end-to-end tests.
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="stat">
            <span class="stat-value" data-testid=testid>
                {value}
            </span>
            <span class="stat-label">{label}</span>
        </div>
    }
}

/// The errors an `<ErrorBoundary>` caught, in words the user can act on.
#[component]
pub fn ErrorList(
    /// The errors from the boundary.
    errors: ArcRwSignal<Errors>,
) -> impl IntoView {
    view! {
        <div class="error" role="alert">
            <ul>
                {move || {
                    errors
                        .get()
                        .into_iter()
                        .map(|(_, e)| view! { <li>{e.to_string()}</li> })
                        .collect_view()
                }}
            </ul>
        </div>
    }
}

/// Sends a command from a row of a list (Cancel, Clear): `outcome` says `working` while it
/// waits, then nothing if the station did it (the list reloads on `commandAnswered`), or what
/// went wrong.
pub fn send_from_row(
    outcome: RwSignal<Option<String>>,
    working: &'static str,
    station: String,
    action: &'static str,
    payload: String,
) {
    outcome.set(Some(working.to_owned()));
    leptos::task::spawn_local(async move {
        let reply = crate::api::send_command(station, action.to_owned(), payload).await;
        outcome.set(match reply {
            Ok(reply) if reply.succeeded() => None,
            Ok(reply) => Some(reply.label()),
            Err(e) => Some(e.to_string()),
        });
    });
}

/// A station's registration, with Accept / Reject while it is Pending (for a user who may
/// operate; a viewer sees the registration only), and what went wrong if the decision could not
/// be stored.
#[component]
pub fn RegistrationControl(
    /// The station.
    station_id: String,
    /// Accepted, Pending or Rejected.
    registration: String,
) -> impl IntoView {
    use crate::api::SetRegistration;
    let decide = ServerAction::<SetRegistration>::new();
    let pending = registration == "Pending";
    let may_operate = may_operate();
    let button = move |accept: bool| {
        let station_id = station_id.clone();
        let (label, class) = if accept {
            ("Accept", "button small")
        } else {
            ("Reject", "button small secondary")
        };
        view! {
            <button
                class=class
                on:click=move |_| {
                    decide.dispatch(SetRegistration { station_id: station_id.clone(), accept });
                }
            >
                {label}
            </button>
        }
    };
    let error = move || {
        decide
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <span class="error-inline">{e.to_string()}</span> })
    };
    view! {
        <span class="registration" data-registration=registration.clone()>
            {registration.clone()}
        </span>
        {move || (pending && may_operate.get()).then(|| view! { {button(true)} {button(false)} })}
        {error}
    }
}

/// A page listing what `load` answers, kept live: reloaded when `reload_when` holds for an
/// event, or when the event stream had to resync.
#[component]
pub fn ListPage<T, Fut, V>(
    /// The heading.
    title: &'static str,
    /// What shows while the first snapshot loads.
    loading: &'static str,
    /// `data-testid` of the empty state.
    empty_testid: &'static str,
    /// What the empty state says.
    empty: &'static str,
    /// The server function that lists the rows.
    load: fn() -> Fut,
    /// Which events change the list.
    reload_when: fn(&crate::dto::LiveEvent) -> bool,
    /// The rows as a table.
    table: fn(Signal<Vec<T>>) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<Vec<T>, crate::dto::AppError>> + Send + 'static,
    V: IntoView + 'static,
{
    let live = expect_context::<crate::live::LiveEvents>();
    let reload = RwSignal::new(0u64);
    let snapshot = Resource::new(move || (live.epoch.get(), reload.get()), move |_| load());
    let rows = crate::live::LiveList::new(snapshot).current;
    live.reload_on(reload, reload_when);
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{title}</h1>
            </div>
            <Transition fallback=move || view! { <p class="muted">{loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || snapshot.get().map(|loaded| loaded.map(|_| ()))}
                    <Show
                        when=move || !rows.with(Vec::is_empty)
                        fallback=move || view! {
                            <p class="empty muted" data-testid=empty_testid>
                                {empty}
                            </p>
                        }
                    >
                        {table(rows)}
                    </Show>
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// A small table: its headings and rows.
pub fn table(testid: &'static str, headings: &[&'static str], rows: Vec<AnyView>) -> AnyView {
    view! {
        <div class="table-wrap">
            <table class="stations" data-testid=testid>
                <thead>
                    <tr>
                        {headings.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A link to a station's page, its id in monospace.
pub fn station_cell(id: &str) -> AnyView {
    view! { <td class="mono"><a href=format!("/stations/{id}")>{id.to_owned()}</a></td> }.into_any()
}

/// A time, as a table shows it.
pub fn time_cell(at: &str) -> AnyView {
    view! { <td><time datetime=at.to_owned()>{crate::dto::datetime(at)}</time></td> }.into_any()
}
