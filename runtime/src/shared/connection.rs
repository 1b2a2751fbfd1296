//! The connection to the shared Redis: one server (redis-rs's `ConnectionManager`: multiplexed,
//! reconnecting) or a Redis Cluster (redis-rs's cluster connection: it learns the slots from the
//! seed nodes, routes each command to the node holding its key and follows the cluster as it
//! changes). Both connect lazily, so a Redis that is down at start-up is an outage like any
//! other, and both are one `ConnectionLike` for the commands and scripts of the shared policies.
//! Every key a policy touches in one command or script is a single key, so no command spans
//! slots.

use super::redis_options::{redacted, RedisOptions};
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClientBuilder, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};
use std::time::Duration;

/// A clonable handle on the shared Redis (clones share the connection).
#[derive(Clone)]
pub(crate) enum SharedConnection {
    /// One Redis server.
    Single(ConnectionManager),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl SharedConnection {
    /// The connection `options` describe, not yet connected. Fails only on a URL that does not
    /// parse or a TLS file that cannot be read. Call within a tokio runtime.
    pub(crate) fn open(options: &RedisOptions) -> Result<SharedConnection, String> {
        let certificates = options.tls.certificates()?;
        let bad_url = |e: redis::RedisError| format!("redis URL {}: {e}", redacted(&options.url));
        // Connecting may take longer than one command (a TLS handshake, a cluster's slots).
        let connect_within = options.timeout.max(Duration::from_millis(500));
        if options.cluster {
            let seeds: Vec<&str> = options.url.split(',').map(str::trim).collect();
            let mut builder = ClusterClientBuilder::new(seeds.clone())
                .connection_timeout(connect_within)
                .response_timeout(options.timeout)
                .retries(1)
                .min_retry_wait(10)
                .max_retry_wait(1000);
            if seeds.iter().any(|s| s.starts_with("rediss://")) {
                builder = builder.tls(redis::cluster::TlsMode::Secure);
            }
            if let Some(certificates) = certificates {
                builder = builder.certs(certificates);
            }
            let client = builder.build().map_err(bad_url)?;
            let config = ClusterConfig::new()
                .set_connection_timeout(connect_within)
                .set_response_timeout(options.timeout);
            return Ok(SharedConnection::Cluster(
                client.get_pending_async_connection_with_config(config),
            ));
        }
        let client = match certificates {
            None => redis::Client::open(options.url.as_str()),
            Some(certificates) => redis::Client::build_with_tls(options.url.as_str(), certificates),
        }
        .map_err(bad_url)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(options.timeout))
            .set_connection_timeout(Some(connect_within))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_secs(1));
        let manager = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|e| format!("redis at {}: {e}", redacted(&options.url)))?;
        Ok(SharedConnection::Single(manager))
    }
}

impl ConnectionLike for SharedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            SharedConnection::Single(c) => c.req_packed_command(cmd),
            SharedConnection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            SharedConnection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            SharedConnection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            SharedConnection::Single(c) => c.get_db(),
            SharedConnection::Cluster(c) => c.get_db(),
        }
    }
}
