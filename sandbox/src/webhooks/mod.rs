//! Webhooks, as TikTok sends them: subscriptions per app, shop and event type
//! (`GET/PUT/DELETE /event/202309/webhooks`), and signed pushes of every state change to the subscribed
//! addresses, with the real retry schedule, and the duplicates and reordering that receivers must survive.

pub mod delivery;
pub mod event;
pub mod sign;
pub mod subscriptions;

pub use delivery::{ClockMs, DeliveryRecord, DeliverySettings, Dispatcher, FlushReport, Target};
pub use event::{EventType, Notification};
pub use sign::sign_webhook;
pub use subscriptions::{Subscription, SubscriptionError, Subscriptions};

/// Subscriptions and the dispatcher that serves them.
#[derive(Clone)]
pub struct WebhookHub {
    pub subscriptions: std::sync::Arc<Subscriptions>,
    pub dispatcher: Dispatcher,
}

impl WebhookHub {
    pub fn new(settings: DeliverySettings, seed: u64, clock: ClockMs) -> WebhookHub {
        WebhookHub {
            subscriptions: std::sync::Arc::new(Subscriptions::default()),
            dispatcher: Dispatcher::new(settings, seed, clock),
        }
    }

    /// Pushes a notification to every subscriber of its shop and type. `secret_of` finds an app's secret;
    /// a subscription whose app is unknown is skipped. Must run inside a tokio runtime.
    pub fn publish(
        &self,
        notification: &Notification,
        secret_of: impl Fn(&str) -> Option<String>,
    ) -> Option<String> {
        let targets: Vec<Target> = self
            .subscriptions
            .targets(&notification.shop_id, notification.event_type)
            .into_iter()
            .filter_map(|s| {
                Some(Target {
                    app_secret: secret_of(&s.app_key)?,
                    address: s.address,
                    app_key: s.app_key,
                })
            })
            .collect();
        self.dispatcher.dispatch(notification, &targets)
    }
}

use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{broadcast, mpsc, oneshot};

use crate::state::{SandboxEvent, SandboxState};

/// The sandbox clock in milliseconds (the state's clock counts seconds on top of the system clock).
fn clock_ms(state: &SandboxState) -> ClockMs {
    let state = state.clone();
    Arc::new(move || chrono::Utc::now().timestamp_millis() + state.clock().offset() * 1000)
}

/// Kept in the state's extensions: the hub, the generation it belongs to, and the way to ask the
/// event pump for a flush.
#[derive(Default)]
pub struct WebhookExt {
    hub: OnceLock<WebhookHub>,
    generation: Mutex<u64>,
    pump: Mutex<Option<mpsc::UnboundedSender<oneshot::Sender<FlushReport>>>>,
}

/// The sandbox's webhook hub (created from the config on first use). After `/_sandbox/reset`, it
/// starts over: no subscriptions, no pending retries, an empty log.
pub fn hub(state: &SandboxState) -> WebhookHub {
    let ext = state.extension::<WebhookExt>();
    let hub = ext
        .hub
        .get_or_init(|| {
            let c = state.config();
            WebhookHub::new(
                DeliverySettings {
                    retry_scale: c.webhook_retry_scale,
                    duplicate_rate: c.webhook_duplicate_rate,
                    reorder_rate: c.webhook_reorder_rate,
                },
                c.seed,
                clock_ms(state),
            )
        })
        .clone();
    let generation = state.generation();
    let mut seen = ext.generation.lock().unwrap_or_else(|e| e.into_inner());
    if *seen != generation {
        *seen = generation;
        hub.subscriptions.clear();
        hub.dispatcher.reset();
    }
    hub
}

/// Turns a state event into the notification TikTok would send.
pub fn notification_for(event: &SandboxEvent, now: i64) -> Option<Notification> {
    let event_type = u8::try_from(event.type_code())
        .ok()
        .and_then(EventType::from_code)?;
    Some(Notification {
        event_type,
        shop_id: event.shop_id().to_string(),
        timestamp: now,
        data: event.data(),
    })
}

/// Pushes one event to its subscribers: apps whose authorization still covers the shop (only the
/// concerned app for app-specific notices). After SELLER_DEAUTHORIZATION the app's subscriptions for
/// the shop end: it subscribes again once it is authorized again.
pub fn publish(state: &SandboxState, event: &SandboxEvent) -> Option<String> {
    let notification = notification_for(event, state.now())?;
    let hub = hub(state);
    let only_app = event.only_app();
    let shop = event.shop_id();
    let deauthorized = matches!(event, SandboxEvent::SellerDeauthorization { .. });
    let id = hub.publish(&notification, |app_key| {
        if only_app.is_some_and(|a| a != app_key) {
            return None;
        }
        // The deauthorization notice goes out after the authorization is gone.
        let covered = deauthorized
            || state
                .auth()
                .authorizations
                .values()
                .any(|a| a.app_key == app_key && !a.revoked && a.shop_ids.contains(&shop));
        if !covered {
            return None;
        }
        state.app(app_key).map(|a| a.app_secret)
    });
    if let (true, Some(app_key)) = (deauthorized, only_app) {
        hub.subscriptions
            .remove_shop(app_key, &notification.shop_id);
    }
    id
}

/// Starts the task that turns the state's events into pushes. Call once, at start.
pub fn spawn(state: SandboxState) -> tokio::task::JoinHandle<()> {
    let mut events = state.subscribe_events();
    let (flush_tx, mut flush_rx) = mpsc::unbounded_channel::<oneshot::Sender<FlushReport>>();
    *state
        .extension::<WebhookExt>()
        .pump
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(flush_tx);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => {
                        publish(&state, &event);
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "webhook pump fell behind; events were not pushed");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                Some(done) = flush_rx.recv() => {
                    // Everything emitted before the flush was asked for is already queued: push it
                    // first, so the flush sees it.
                    loop {
                        match events.try_recv() {
                            Ok(event) => {
                                publish(&state, &event);
                            }
                            Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                            Err(_) => break,
                        }
                    }
                    let report = hub(&state).dispatcher.flush().await;
                    let _ = done.send(report);
                }
            }
        }
    })
}

/// Pushes every queued event, then every held-back delivery and pending retry, now; waits for it.
pub async fn flush(state: &SandboxState) -> FlushReport {
    let pump = state
        .extension::<WebhookExt>()
        .pump
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if let Some(pump) = pump {
        let (done, wait) = oneshot::channel();
        if pump.send(done).is_ok()
            && let Ok(report) = wait.await
        {
            return report;
        }
    }
    hub(state).dispatcher.flush().await
}
