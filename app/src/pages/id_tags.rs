use crate::api::{DeleteIdTag, SaveIdTag, list_id_tags};
use crate::components::ErrorList;
use crate::dto::{AppError, TAG_STATUSES};
use leptos::prelude::*;

/// The id tag store: create, edit status / expiry / parent, delete (a viewer sees the tags and
/// no control they could not use); shows which tags are in a transaction now.
#[component]
pub fn IdTagsPage() -> impl IntoView {
    let save = ServerAction::<SaveIdTag>::new();
    let delete = ServerAction::<DeleteIdTag>::new();
    let tags = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| list_id_tags(),
    );
    let id_tag = RwSignal::new(String::new());
    let status = RwSignal::new("Accepted".to_owned());
    let expiry = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let failure = move || {
        let failed = |v: Option<Result<(), AppError>>| v.and_then(Result::err);
        failed(save.value().get())
            .or_else(|| failed(delete.value().get()))
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    // A saved tag leaves the form empty for the next one; a refused one keeps what was typed.
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            id_tag.set(String::new());
            status.set("Accepted".to_owned());
            expiry.set(String::new());
            parent.set(String::new());
        }
    });
    let may_operate = crate::components::may_operate();

    view! {
        <section class="page">
            <div class="page-head">
                <h1>"Id tags"</h1>
            </div>
            <Show when=move || may_operate.get()>
                <form
                    class="tag-form"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        save.dispatch(SaveIdTag {
                            id_tag: id_tag.get_untracked(),
                            status: status.get_untracked(),
                            expiry_date: expiry.get_untracked(),
                            parent_id_tag: parent.get_untracked(),
                        });
                    }
                >
                    <label>
                        "Id tag"
                        <input
                            required
                            maxlength="36"
                            prop:value=move || id_tag.get()
                            on:input=move |ev| id_tag.set(event_target_value(&ev))
                        />
                    </label>
                    <label>
                        "Status"
                        <select
                            prop:value=move || status.get()
                            on:change=move |ev| status.set(event_target_value(&ev))
                        >
                            {TAG_STATUSES.iter().map(|s| view! { <option value=*s>{*s}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>
                        "Expires (UTC)"
                        <input
                            type="datetime-local"
                            prop:value=move || expiry.get()
                            on:input=move |ev| expiry.set(event_target_value(&ev))
                        />
                    </label>
                    <label>
                        "Parent id tag"
                        <input
                            maxlength="36"
                            prop:value=move || parent.get()
                            on:input=move |ev| parent.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" class="button" disabled=move || save.pending().get()>
                        "Save"
                    </button>
                </form>
            </Show>
            {failure}
            <Transition fallback=|| view! { <p class="muted">"Loading the id tags…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        let list = tags.await?;
                        if list.is_empty() {
                            return Ok::<_, AppError>(
                                view! {
                                    <p class="empty muted" data-testid="tags-empty">
                                        "No id tag yet: every idTag a station presents is Invalid until it is added here."
                                    </p>
                                }
                                    .into_any(),
                            );
                        }
                        Ok(view! {
                            <div class="table-wrap">
                                <table class="stations">
                                    <thead>
                                        <tr>
                                            <th>"Id tag"</th>
                                            <th>"Status"</th>
                                            <th>"Expires"</th>
                                            <th>"Parent"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|tag| {
                                                let edit = tag.clone();
                                                let gone = tag.id_tag.clone();
                                                view! {
                                                    <tr data-testid=format!("tag-{}", tag.id_tag)>
                                                        <td class="mono">
                                                            {tag.id_tag.clone()}
                                                            {tag.in_transaction.then(|| view! { <span class="badge" data-status="Charging">" in a transaction"</span> })}
                                                        </td>
                                                        <td class="tag-status">{tag.status.clone()}</td>
                                                        <td>{tag.expiry_date.clone().unwrap_or_else(|| "never".to_owned())}</td>
                                                        <td>{tag.parent_id_tag.clone().unwrap_or_default()}</td>
                                                        <td>
                                                            <Show when=move || may_operate.get()>
                                                                <button
                                                                    class="button small secondary"
                                                                    on:click={
                                                                        let edit = edit.clone();
                                                                        move |_| {
                                                                            id_tag.set(edit.id_tag.clone());
                                                                            status.set(edit.status.clone());
                                                                            expiry.set(edit.expiry_date.as_deref().map(|d| d.get(..16).unwrap_or(d).to_owned()).unwrap_or_default());
                                                                            parent.set(edit.parent_id_tag.clone().unwrap_or_default());
                                                                        }
                                                                    }
                                                                >
                                                                    "Edit"
                                                                </button>
                                                                <button
                                                                    class="button small secondary"
                                                                    on:click={
                                                                        let gone = gone.clone();
                                                                        move |_| {
                                                                            delete.dispatch(DeleteIdTag { id_tag: gone.clone() });
                                                                        }
                                                                    }
                                                                >
                                                                    "Delete"
                                                                </button>
                                                            </Show>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any())
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
