use crate::components::MessageLog;
use crate::components::message_log::href;
use crate::components::pager;
use crate::dto::MessageListQuery;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Every OCPP frame of every station: live, filtered by station, action and CALLERRORs, older
/// ones a page at a time; the log's state in the URL.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let url = use_query_map();
    let query = Memo::new(move |_| url.with(|p| MessageListQuery::from_url(|key| p.get(key))));
    let navigate = use_navigate();
    let set_query = Callback::new(move |next: MessageListQuery| {
        pager::go(&navigate, &href(&next), false);
    });
    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Messages"</h1>
            </div>
            <MessageLog query=query.into() set_query global=true />
        </section>
    }
}
