//! custseg-server's tests: the route table walked for every role, the API over a loopback port,
//! the dashboard in headless Chromium.

mod api;
mod browser;

mod roles;

use std::collections::HashMap;
use std::path::PathBuf;

use custseg_server::{AppState, Options, Role};

/// A server on a random loopback port with one account per role, in a directory of its own.
#[allow(missing_debug_implementations)]
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The state (store, data directory).
    pub state: AppState,
    /// Tokens by role.
    pub tokens: HashMap<Role, String>,
    /// The directory (store and data).
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts a server with an upload limit.
    pub fn start(max_upload: u64) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = Options {
            addr: "127.0.0.1:0".parse().expect("addr"),
            store: dir.path().join("custseg.db"),
            data: dir.path().join("data"),
            max_upload,
            threads: 2,
        };
        let state = AppState::open(options).expect("open");
        let mut tokens = HashMap::new();
        let mut store = custseg_server::accounts::open(&dir.path().join("custseg.db")).expect("store");
        for role in Role::ALL {
            let token = custseg_server::accounts::add(&mut store, role.as_str(), role, "test").expect("user");
            tokens.insert(role, token);
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let serving = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                addr_tx.send(listener.local_addr().expect("addr")).expect("send");
                custseg_server::serve(serving, listener, async move {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
            rt.shutdown_timeout(std::time::Duration::from_secs(2));
        });
        let addr = addr_rx.recv().expect("address");
        Server { url: format!("http://{addr}"), state, tokens, dir, stop: Some(stop), thread: Some(thread) }
    }

    /// A token.
    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// The uploads directory.
    pub fn uploads(&self) -> PathBuf {
        self.dir.path().join("data").join("uploads")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The CDNOW demo log as a CSV.
pub fn cdnow() -> Vec<u8> {
    custseg_engine::demo::cdnow_csv().into_bytes()
}

/// A master file for the CDNOW customers with personal data: a name, a phone, an e-mail and a
/// declared-by-name region.
pub fn cdnow_master() -> Vec<u8> {
    let mut ids: Vec<String> = custseg_engine::demo::cdnow_csv()
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    let surnames = ["张", "王", "李", "赵"];
    let mut out = String::from("customer_id,姓名,手机,email,region\n");
    for (k, id) in ids.iter().enumerate() {
        out.push_str(&format!(
            "{id},{}{},138{:08},user{k}@example.com,{}\n",
            surnames[k % 4],
            ["三", "四", "五"][k % 3],
            k,
            ["north", "south"][k % 2]
        ));
    }
    out.into_bytes()
}
