use crate::components::MessageLog;
use leptos::prelude::*;

/// Every OCPP frame of every station, live.
#[component]
pub fn MessagesPage() -> impl IntoView {
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Messages"</h1>
            </div>
            <MessageLog station=None />
        </section>
    }
}
