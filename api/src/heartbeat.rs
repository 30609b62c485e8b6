//! Work that holds a lease renews it while it runs: a push of a SKU, an `Idempotency-Key`'s
//! request, a sync job, a batch of webhook events. Leases can then be short (a dead holder's work is
//! taken over within seconds) however long the work takes.

use std::future::Future;
use std::time::Duration;

/// Runs `work` and calls `renew` every `every` until it ends; answers what `work` answers.
pub async fn renewing<T, R>(
    work: impl Future<Output = T>,
    every: Duration,
    mut renew: impl FnMut() -> R,
) -> T
where
    R: Future<Output = ()>,
{
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            () = tokio::time::sleep(every) => renew().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(start_paused = true)]
    async fn renews_while_the_work_runs_and_stops_with_it() {
        let renewals = Arc::new(AtomicUsize::new(0));
        let counted = renewals.clone();
        let out = renewing(
            async {
                tokio::time::sleep(Duration::from_secs(35)).await;
                7
            },
            Duration::from_secs(10),
            move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            },
        )
        .await;
        assert_eq!(out, 7);
        assert_eq!(renewals.load(Ordering::SeqCst), 3);
    }
}
