//! The tray icon: how sync is doing in one line (and its tooltip), Open, Sync now, Quit; and
//! a native notification when a connection starts failing or a channel refuses updates. The
//! words and the moments come from oms-app (`tray_line`, `HealthWatch`); this only draws.

use oms_app::{tray_line, Api, HealthWatch, Lang};
use std::sync::Mutex;
use std::time::Duration;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::Manager;
use tauri_plugin_notification::NotificationExt;

/// The UI's language, for native text (set by the UI through `set_ui_language`).
#[derive(Default)]
pub struct UiLang(pub Mutex<Lang>);

fn lang_of(app: &tauri::AppHandle) -> Lang {
    app.try_state::<UiLang>()
        .and_then(|l| l.0.lock().ok().map(|g| *g))
        .unwrap_or_default()
}

fn labels(lang: Lang) -> [&'static str; 3] {
    match lang {
        Lang::En => ["Open OMS Desktop", "Sync now", "Quit"],
        Lang::De => ["OMS Desktop öffnen", "Jetzt synchronisieren", "Beenden"],
    }
}

/// Puts the icon in the tray and keeps it current (every few seconds) until the app ends.
pub fn start(app: &tauri::App, api: Api) -> tauri::Result<()> {
    let [open_l, sync_l, quit_l] = labels(Lang::En);
    let status = MenuItem::with_id(app, "status", "Sync: …", false, None::<&str>)?;
    let open = MenuItem::with_id(app, "open", open_l, true, None::<&str>)?;
    let sync = MenuItem::with_id(app, "sync", sync_l, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", quit_l, true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&status, &open, &sync, &quit])?;
    let for_menu = api.clone();
    let mut builder = TrayIconBuilder::with_id("sync")
        .menu(&menu)
        .tooltip("OMS Desktop")
        .on_menu_event(move |app, event| match event.id().as_ref() {
            "open" => {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.show();
                    let _ = w.set_focus();
                }
            }
            "sync" => {
                let api = for_menu.clone();
                tauri::async_runtime::spawn(async move {
                    // Each connection records its own outcome; the line below shows it.
                    let _ = api.sync_all(&|_| {}).await;
                    let _ = api.dispatch_all().await;
                });
            }
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let tray = builder.build(app)?;
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        let mut watch = HealthWatch::default();
        let mut shown = (String::new(), None);
        loop {
            if let Ok(conns) = api.list_sync_connections().await {
                let lang = lang_of(&handle);
                let line = tray_line(&conns, lang);
                if shown.0 != line || shown.1 != Some(lang) {
                    let _ = status.set_text(&line);
                    let _ = tray.set_tooltip(Some(&line));
                    let [o, s, q] = labels(lang);
                    let _ = open.set_text(o);
                    let _ = sync.set_text(s);
                    let _ = quit.set_text(q);
                    shown = (line, Some(lang));
                }
                for n in watch.notices(&conns, lang) {
                    // No notification service (a bare session): the tray line still says it.
                    let _ = handle
                        .notification()
                        .builder()
                        .title(&n.title)
                        .body(&n.body)
                        .show();
                }
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    Ok(())
}
