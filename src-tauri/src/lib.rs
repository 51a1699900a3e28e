//! The desktop shell: the only crate that knows Tauri. It opens the application API once,
//! registers the commands (thin: parse, call, map the error) and forwards progress as events.

mod commands;

use oms_app::{Actor, Api};
use tauri::Manager;

pub struct AppState {
    pub api: Api,
    /// When the process started, for the startup-timing log (`OMS_LOG_STARTUP=1`).
    pub started: std::time::Instant,
}

/// Starts the desktop app. The database is `OMS_DB` if set, else the app's data directory.
pub fn run() {
    let started = std::time::Instant::now();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let path = std::env::var_os("OMS_DB")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(oms_app::default_db_path);
            let api = tauri::async_runtime::block_on(Api::open(&path, Actor::local_user()))?;
            app.manage(AppState { api, started });
            Ok(())
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("oms-desktop: could not start: {e}");
        }
        std::process::exit(1);
    }
}
