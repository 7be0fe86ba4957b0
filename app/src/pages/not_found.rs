use leptos::prelude::*;
use leptos_router::components::A;

/// Any path the router does not know; answered with HTTP 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::server_hooks::respond_not_found();
    view! {
        <section class="page">
            <h1>"Page not found"</h1>
            <p>"There is nothing here. " <A href="/">"Back to the overview"</A></p>
        </section>
    }
}
