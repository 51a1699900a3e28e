//! The desktop shell: the only crate that knows Tauri. It opens the application API once,
//! registers the commands (thin: parse, call, map the error) and forwards progress as events.

mod commands;
mod commands_fulfil;
mod commands_returns;
mod tray;

use oms_app::{Actor, Api, SupervisorTiming, SyncSupervisor};
use tauri::{Emitter, Manager};

pub struct AppState {
    pub api: Api,
    /// Background sync: a worker per enabled connection (`OMS_SYNC=off` starts none).
    pub supervisor: Option<std::sync::Arc<SyncSupervisor>>,
    /// When the process started, for the startup-timing log (`OMS_LOG_STARTUP=1`).
    pub started: std::time::Instant,
}

/// Starts the desktop app. The database is `OMS_DB` if set, else the app's data directory.
pub fn run() {
    let started = std::time::Instant::now();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(tray::UiLang::default())
        .setup(move |app| {
            let path = std::env::var_os("OMS_DB")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(oms_app::default_db_path);
            let api = tauri::async_runtime::block_on(Api::open(&path, Actor::local_user()))?;
            let supervisor = (std::env::var("OMS_SYNC").as_deref() != Ok("off")).then(|| {
                let api = api.clone();
                let handle = app.handle().clone();
                // A background run that brings orders shows in the progress bar.
                let progress: oms_app::ProgressSink = std::sync::Arc::new(move |p| {
                    let _ = handle.emit("progress", p);
                });
                tauri::async_runtime::block_on(async move {
                    SyncSupervisor::start_with_progress(api, SupervisorTiming::default(), progress)
                })
            });
            // The tray (`OMS_TRAY=off` for none, e.g. a session without a status area).
            if std::env::var("OMS_TRAY").as_deref() != Ok("off") {
                tray::start(app, api.clone())?;
            }
            app.manage(AppState {
                api,
                supervisor,
                started,
            });
            // The main window opens on the screen named on the command line, if any
            // (`oms-desktop orders`, `oms-desktop orders/42`); else on the last one used.
            let route = start_route(std::env::args().nth(1).as_deref());
            tauri::WebviewWindowBuilder::new(
                app,
                "main",
                tauri::WebviewUrl::App(format!("index.html{route}").into()),
            )
            .title("OMS Desktop")
            .inner_size(1280.0, 800.0)
            .min_inner_size(900.0, 600.0)
            .build()?;
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // Clean shutdown: the workers stop between pages (a page cut short comes
                // again on the next run and changes nothing).
                if let Some(sup) = handle
                    .try_state::<AppState>()
                    .and_then(|s| s.supervisor.clone())
                {
                    tauri::async_runtime::block_on(sup.stop(std::time::Duration::from_secs(3)));
                }
            }
        }),
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("oms-desktop: could not start: {e}");
            }
            std::process::exit(1);
        }
    }
}

/// `orders`, `orders/42`, `dashboard`, `connections` → the UI's address; anything else → none.
fn start_route(arg: Option<&str>) -> String {
    let Some(a) = arg.map(|a| a.trim_matches('/')) else {
        return String::new();
    };
    let ok = matches!(a, "dashboard" | "orders" | "connections")
        || a.strip_prefix("orders/")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        format!("#/{a}")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_known_screens_become_routes() {
        assert_eq!(super::start_route(Some("orders")), "#/orders");
        assert_eq!(super::start_route(Some("/orders/42/")), "#/orders/42");
        assert_eq!(super::start_route(Some("orders/4x")), "");
        assert_eq!(super::start_route(Some("javascript:alert(1)")), "");
        assert_eq!(super::start_route(None), "");
    }
}
