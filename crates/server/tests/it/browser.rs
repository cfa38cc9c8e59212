//! The dashboard end to end in headless Chromium (Debian's chromium and chromium-driver, which
//! scripts/install_browser.sh installs when missing): log in, upload the CDNOW log and a master
//! file, start a run and watch it finish, open a segment and a customer, export as analyst, see
//! masked personal data as viewer, switch to Chinese, use it at phone width and by keyboard.
//! Screenshots are kept in target/browser-artefacts and checked not to be blank.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use custseg_server::Role;
use fantoccini::{Client, ClientBuilder, Locator};

use crate::{Server, cdnow, cdnow_master};

/// chromedriver on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn driver() -> Driver {
    let found = |name: &str| {
        Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().is_ok_and(|o| o.status.success())
    };
    if !found("chromedriver") || !found("chromium") {
        let status = Command::new("bash")
            .arg(repo().join("scripts/install_browser.sh"))
            .status()
            .expect("run the install script");
        assert!(
            status.success(),
            "the browser test needs chromium and chromedriver; scripts/install_browser.sh could not install them"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, url }
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900", format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&driver.url).await.expect("a browser session")
}

/// Waits until `css` matches an element whose text satisfies `ok`.
async fn wait_text(c: &Client, css: &str, ok: impl Fn(&str) -> bool, secs: u64) -> String {
    let t = Instant::now();
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(text) = e.text().await
            && ok(&text)
        {
            return text;
        }
        assert!(t.elapsed() < Duration::from_secs(secs), "`{css}` did not show what was expected in {secs} s");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Saves a screenshot as a test artefact and checks it is not blank.
async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    let dir = repo().join("target/browser-artefacts");
    std::fs::create_dir_all(&dir).expect("artefacts dir");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, &png).expect("write screenshot");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("frame");
    let n = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(n).collect();
    let ink = pixels.iter().filter(|p| p[0] < 235 || p[1] < 235 || p[2] < 235).count() as f64 / pixels.len() as f64;
    let mut colours: Vec<[u8; 3]> = pixels.iter().map(|p| [p[0] & 0xf0, p[1] & 0xf0, p[2] & 0xf0]).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        ink > 0.02 && colours.len() > 8,
        "{} looks blank: {:.1}% ink, {} colours",
        path.display(),
        ink * 100.0,
        colours.len()
    );
}

async fn login(c: &Client, url: &str, token: &str) {
    c.goto(&format!("{url}/login")).await.expect("login page");
    c.find(Locator::Id("token")).await.expect("token field").send_keys(token).await.expect("type");
    c.find(Locator::Id("login")).await.expect("button").click().await.expect("click");
    wait_text(c, "header nav", |t| !t.is_empty(), 10).await;
}

async fn logout(c: &Client) {
    c.find(Locator::Css("form[action='/logout'] button")).await.expect("logout").click().await.expect("click");
    c.find(Locator::Id("token")).await.expect("back at the login");
}

async fn upload(c: &Client, file: &Path, kind: &str) {
    c.find(Locator::Id("upload-file"))
        .await
        .expect("file input")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose");
    c.find(Locator::Css(&format!("#upload-kind option[value='{kind}']")))
        .await
        .expect("kind")
        .click()
        .await
        .expect("pick");
    c.find(Locator::Id("upload-button")).await.expect("upload").click().await.expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_end_to_end() {
    let server = Server::start(50 << 20);
    let files = tempfile::tempdir().expect("tempdir");
    let (log, people, bad) =
        (files.path().join("cdnow.csv"), files.path().join("people.csv"), files.path().join("notes.csv"));
    std::fs::write(&log, cdnow()).expect("log");
    std::fs::write(&people, cdnow_master()).expect("master");
    std::fs::write(&bad, "just,some\ntext,here\n").expect("bad");
    let driver = driver();
    let profile = tempfile::tempdir().expect("profile");
    let c = browser(&driver, profile.path()).await;
    let url = server.url.clone();

    // log in as analyst; a file custseg cannot read shows the command line's message
    login(&c, &url, server.token(Role::Analyst)).await;
    c.goto(&format!("{url}/runs")).await.expect("runs");
    upload(&c, &bad, "transactions").await;
    let message = wait_text(&c, "#upload-error", |t| !t.is_empty(), 20).await;
    assert!(message.contains("notes.csv") && message.contains("customer"), "{message}");
    shot(&c, "upload-error").await;
    upload(&c, &log, "transactions").await;
    wait_text(&c, "#run-transactions", |t| t.contains("cdnow.csv"), 30).await;
    upload(&c, &people, "customers").await;
    wait_text(&c, "#run-customers", |t| t.contains("people.csv"), 30).await;
    c.find(Locator::Css("#run-customers option:nth-child(2)")).await.expect("master").click().await.expect("pick");
    c.find(Locator::Id("run-button")).await.expect("start").click().await.expect("click");
    // the run page with its progress, until done
    wait_text(&c, "#run-status", |t| !t.is_empty(), 10).await;
    shot(&c, "run-progress").await;
    wait_text(&c, "#run-status", |t| t == "done", 120).await;
    shot(&c, "run-done").await;

    // the overview, a segment, a customer
    c.goto(&url).await.expect("overview");
    wait_text(&c, "main", |t| t.contains("Latest run"), 10).await;
    shot(&c, "overview").await;
    c.goto(&format!("{url}/segments")).await.expect("segments");
    c.find(Locator::Css("#scheme-rfm_segment a[href='/segments/rfm_segment/champions']"))
        .await
        .expect("champions")
        .click()
        .await
        .expect("open");
    wait_text(&c, "#members tbody", |t| !t.is_empty(), 10).await;
    let export_href = c
        .find(Locator::Id("export"))
        .await
        .expect("analysts see export")
        .attr("href")
        .await
        .expect("href")
        .expect("href");
    shot(&c, "segment-analyst").await;
    // the export, as the browser fetches it with the session
    let csv = c
        .execute("return fetch(arguments[0]).then(r => r.text());", vec![serde_json::json!(export_href)])
        .await
        .expect("export");
    let csv = csv.as_str().expect("text");
    assert!(csv.starts_with("customer_id,") && csv.lines().count() > 100, "{}", &csv[..csv.len().min(200)]);
    c.find(Locator::Css("#members tbody tr td a")).await.expect("a customer").click().await.expect("open");
    wait_text(&c, "#labels", |t| t.contains("Champions"), 10).await;
    let next = wait_text(&c, "#next-action", |t| !t.is_empty(), 5).await;
    assert!(next.contains("Next action"), "{next}");
    let phone = wait_text(&c, "#attributes", |t| !t.is_empty(), 5).await;
    assert!(phone.contains("138") && !phone.contains("****"), "analysts see personal data: {phone}");
    shot(&c, "customer-analyst").await;
    logout(&c).await;

    // a viewer: masked personal data, no export
    login(&c, &url, server.token(Role::Viewer)).await;
    c.goto(&format!("{url}/segments/rfm_segment/champions")).await.expect("segment");
    let rows = wait_text(&c, "#members tbody", |t| !t.is_empty(), 10).await;
    assert!(
        rows.contains("138****") && rows.contains("***@example.com"),
        "masked for viewers: {}",
        &rows[..rows.len().min(300)]
    );
    assert!(c.find(Locator::Id("export")).await.is_err(), "viewers have no export button");
    shot(&c, "segment-viewer").await;

    // Chinese, from the switch in the header
    c.find(Locator::Id("lang-zh")).await.expect("switch").click().await.expect("click");
    wait_text(&c, "header nav", |t| t.contains("客户细分"), 10).await;
    wait_text(&c, "h1", |t| t.contains("冠军客户"), 10).await;
    shot(&c, "segment-zh").await;

    // phone width: nothing wider than the screen but the tables' own scroll boxes
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&url).await.expect("overview");
    let overflow =
        c.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.expect("measure");
    assert!(overflow.as_f64().is_some_and(|o| o <= 1.0), "the page scrolls sideways at phone width by {overflow}px");
    shot(&c, "overview-phone").await;

    // keyboard: the first Tab reaches the skip link, and Enter on it moves to the content
    c.set_window_size(1280, 900).await.expect("resize");
    c.goto(&format!("{url}/segments")).await.expect("segments");
    c.find(Locator::Css("body")).await.expect("body").send_keys("\u{E004}").await.expect("tab");
    let focused = c.execute("return document.activeElement.className;", vec![]).await.expect("focus");
    assert_eq!(focused, "skip");
    c.find(Locator::Css(".skip")).await.expect("skip").send_keys("\u{E007}").await.expect("enter");
    let focused = c.execute("return document.activeElement.id;", vec![]).await.expect("focus");
    assert_eq!(focused, "main");
    c.close().await.expect("close");
}
