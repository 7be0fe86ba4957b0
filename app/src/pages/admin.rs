use crate::api::{
    AddToken, AddUser, RemoveUser, RevokeToken, SetUserPassword, SetUserRole, list_security_events,
    load_admin,
};
use crate::components::ErrorList;
use crate::dto::{AppError, LiveEvent, clock};
use crate::live::LiveEvents;
use leptos::prelude::*;

const ROLES: [&str; 3] = ["viewer", "operator", "admin"];

/// Admins only: users and their roles, API tokens, webhooks, security events, and the audit log
/// of every call sent to a station with who sent it.
#[component]
pub fn AdminPage() -> impl IntoView {
    let live = expect_context::<LiveEvents>();
    let add_user = ServerAction::<AddUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let remove_user = ServerAction::<RemoveUser>::new();
    let add_token = ServerAction::<AddToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let set_password = ServerAction::<SetUserPassword>::new();
    // The webhooks are only an admin's: another role is told once what it may not do.
    let is_admin = crate::components::is_admin();
    let calls = RwSignal::new(0u64);
    let refused = RwSignal::new(0u64);
    live.reload_on(calls, |e| matches!(e, LiveEvent::CommandAnswered { .. }));
    live.reload_on(refused, |e| matches!(e, LiveEvent::SecurityEvent { .. }));
    let admin = Resource::new(
        move || {
            (
                add_user.version().get(),
                set_role.version().get(),
                remove_user.version().get(),
                add_token.version().get(),
                revoke.version().get(),
                calls.get(),
                live.epoch.get(),
            )
        },
        |_| load_admin(),
    );
    let events = Resource::new(
        move || (refused.get(), live.epoch.get()),
        |_| list_security_events(),
    );

    let failure = move || {
        let failed = |v: Option<Result<(), AppError>>| v.and_then(Result::err);
        failed(add_user.value().get())
            .or_else(|| failed(set_role.value().get()))
            .or_else(|| failed(remove_user.value().get()))
            .or_else(|| failed(revoke.value().get()))
            .or_else(|| failed(set_password.value().get()))
            .or_else(|| add_token.value().get().and_then(Result::err))
            .map(|e| view! { <p class="error" role="alert" data-testid="admin-error">{e.to_string()}</p> })
    };
    let new_token = move || {
        add_token.value().get().and_then(Result::ok).map(|token| {
            view! {
                <p class="notice" data-testid="new-token">
                    "The new token, shown once: " <code class="mono">{token}</code>
                </p>
            }
        })
    };

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_owned());
    let password_of = RwSignal::new(String::new());
    let new_password = RwSignal::new(String::new());
    Effect::new(move |_| {
        if set_password
            .value()
            .with(|v| v.as_ref().is_some_and(Result::is_ok))
        {
            new_password.set(String::new());
        }
    });
    let token_name = RwSignal::new(String::new());
    let token_role = RwSignal::new("viewer".to_owned());
    Effect::new(move |_| {
        if add_user
            .value()
            .with(|v| v.as_ref().is_some_and(Result::is_ok))
        {
            username.set(String::new());
            password.set(String::new());
        }
    });

    view! {
        <section class="page admin-page">
            <div class="page-head">
                <h1>"Admin"</h1>
            </div>
            {failure}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        let view = admin.await?;
                        Ok::<_, AppError>(view! {
                            <h2>"Users"</h2>
                            <div class="table-wrap">
                                <table class="stations" data-testid="users">
                                    <thead>
                                        <tr><th>"User"</th><th>"Role"</th><th>"Since"</th><th></th></tr>
                                    </thead>
                                    <tbody>
                                        {view.users.into_iter().map(|u| {
                                            let name = u.username.clone();
                                            let gone = u.username.clone();
                                            view! {
                                                <tr data-testid=format!("user-{}", u.username)>
                                                    <td class="mono">{u.username.clone()}</td>
                                                    <td>
                                                        <select
                                                            aria-label=format!("Role of {}", u.username)
                                                            prop:value=u.role.clone()
                                                            on:change=move |ev| {
                                                                set_role.dispatch(SetUserRole { username: name.clone(), role: event_target_value(&ev) });
                                                            }
                                                        >
                                                            {ROLES.iter().map(|r| view! { <option value=*r selected=*r == u.role>{*r}</option> }).collect_view()}
                                                        </select>
                                                    </td>
                                                    <td>{u.created_at.get(..10).unwrap_or_default().to_owned()}</td>
                                                    <td>
                                                        <button
                                                            class="button small secondary"
                                                            on:click=move |_| { remove_user.dispatch(RemoveUser { username: gone.clone() }); }
                                                        >
                                                            "Remove"
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <h2>"API tokens"</h2>
                            {if view.tokens.is_empty() {
                                view! { <p class="muted empty">"No API token: scripts sign in with one (Authorization: Bearer)."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap">
                                        <table class="stations" data-testid="tokens">
                                            <thead>
                                                <tr><th>"Id"</th><th>"Name"</th><th>"Role"</th><th>"User"</th><th>"Made"</th><th></th></tr>
                                            </thead>
                                            <tbody>
                                                {view.tokens.into_iter().map(|t| {
                                                    let id = t.id;
                                                    view! {
                                                        <tr>
                                                            <td>{t.id}</td>
                                                            <td>{t.name}</td>
                                                            <td>{t.role}</td>
                                                            <td class="mono">{t.username}</td>
                                                            <td>{t.created_at.get(..10).unwrap_or_default().to_owned()}</td>
                                                            <td>
                                                                <button class="button small secondary" on:click=move |_| { revoke.dispatch(RevokeToken { id }); }>
                                                                    "Revoke"
                                                                </button>
                                                            </td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }}
                            <h2>"Audit log"</h2>
                            {if view.audit.is_empty() {
                                view! { <p class="muted empty">"No call has been sent to a station yet."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap">
                                        <table class="stations" data-testid="audit-log">
                                            <thead>
                                                <tr><th>"Time"</th><th>"Who"</th><th>"Station"</th><th>"Action"</th><th>"Request"</th><th>"Outcome"</th></tr>
                                            </thead>
                                            <tbody>
                                                {view.audit.into_iter().map(|a| view! {
                                                    <tr>
                                                        <td title=a.at.clone()>{clock(&a.at).to_owned()}</td>
                                                        <td class="mono">{a.actor}</td>
                                                        <td><a href=format!("/stations/{}", a.station_id)>{a.station_id.clone()}</a></td>
                                                        <td>{a.action}</td>
                                                        <td class="mono payload">{a.payload}</td>
                                                        <td>{a.outcome.unwrap_or_else(|| "no answer recorded".to_owned())}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                }.into_any()
                            }}
                        })
                    })}
                </ErrorBoundary>
            </Transition>
            <div class="columns">
                <form
                    class="panel"
                    data-testid="add-user"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        add_user.dispatch(AddUser {
                            username: username.get_untracked(),
                            password: password.get_untracked(),
                            role: role.get_untracked(),
                        });
                    }
                >
                    <h2>"Add a user"</h2>
                    <TextField label="User name" value=username />
                    <PasswordField label="Password (12 characters or more)" value=password />
                    <RoleField value=role />
                    <button class="button" type="submit">"Add user"</button>
                </form>
                <form
                    class="panel"
                    data-testid="set-password"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        set_password.dispatch(SetUserPassword {
                            username: password_of.get_untracked(),
                            password: new_password.get_untracked(),
                        });
                    }
                >
                    <h2>"Set a password"</h2>
                    <TextField label="User name" value=password_of />
                    <PasswordField label="New password (12 characters or more)" value=new_password />
                    <button class="button" type="submit">"Set password"</button>
                    {move || set_password.value().get().and_then(Result::ok).map(|()| view! {
                        <p class="notice" data-testid="password-set">"Set; that user's sessions have ended."</p>
                    })}
                </form>
                <form
                    class="panel"
                    data-testid="add-token"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        add_token.dispatch(AddToken {
                            name: token_name.get_untracked(),
                            role: token_role.get_untracked(),
                            username: String::new(),
                        });
                    }
                >
                    <h2>"Make an API token"</h2>
                    <TextField label="What it is for" value=token_name />
                    <RoleField value=token_role />
                    <button class="button" type="submit">"Make token"</button>
                    {new_token}
                </form>
            </div>
            <Show when=move || is_admin.get()>
                <crate::pages::webhooks::WebhooksPanel />
            </Show>
            <h2>"Security events"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = events.await.unwrap_or_default();
                    view! { <SecurityEvents list /> }
                })}
            </Transition>
        </section>
    }
}

/// A required text input with its label.
#[component]
fn TextField(label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input required prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// A new password with its label.
#[component]
fn PasswordField(label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type="password"
                autocomplete="new-password"
                required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// A role to pick.
#[component]
fn RoleField(value: RwSignal<String>) -> impl IntoView {
    view! {
        <label class="field">
            <span>"Role"</span>
            <select prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                {ROLES.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// Security events, newest first.
#[component]
pub fn SecurityEvents(list: Vec<crate::dto::SecurityEventRow>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="muted empty">"No security event."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="stations" data-testid="security-events">
                <thead>
                    <tr><th>"Time"</th><th>"Station"</th><th>"Event"</th><th>"From"</th><th>"Details"</th></tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|e| view! {
                        <tr data-source=e.source.clone()>
                            <td title=e.at.clone()>{clock(&e.at).to_owned()}</td>
                            <td><a href=format!("/stations/{}", e.station_id)>{e.station_id.clone()}</a></td>
                            <td>{e.event_type}</td>
                            <td>{if e.source == "central" { "Centrale" } else { "the station" }}</td>
                            <td>{e.tech_info.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
