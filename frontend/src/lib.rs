//! The browser entry point: hydrates the server-rendered dashboard (`app::App`).
//!
//! Built for `wasm32-unknown-unknown` and bound with `wasm-bindgen --target web` into
//! `target/site/pkg/centrale.js` + `centrale_bg.wasm`, which the page's hydration script loads.

// Leptos view types nest deeply (see `app`).
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
