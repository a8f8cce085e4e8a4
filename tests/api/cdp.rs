//! A scripted headless Chromium: the Chrome DevTools Protocol over `--remote-debugging-pipe`
//! (JSON messages ended by a NUL byte on the browser's file descriptors 3 and 4), so that no
//! websocket client and no port are needed. Enough to open pages, evaluate scripts in them,
//! allow downloads and take screenshots.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

/// A running browser and its protocol pipe.
pub struct Browser {
    child: Child,
    commands: ChildStdin,
    answers: BufReader<ChildStdout>,
    next_id: u64,
    events: VecDeque<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts headless Chromium with a fresh profile. The shell hands the pipe from us to the
    /// browser's descriptor 3 and the pipe to us its descriptor 4.
    pub fn launch(chromium: &Path) -> Self {
        let profile = tempfile::tempdir().expect("profile dir");
        let script = "exec \"$0\" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
            --disable-background-networking --disable-component-update --disable-sync \
            --no-first-run --hide-scrollbars --window-size=1600,1400 --remote-debugging-pipe \
            --user-data-dir=\"$1\" about:blank 3<&0 4>&1 </dev/null >/dev/null";
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(chromium)
            .arg(profile.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        let commands = child.stdin.take().expect("pipe to chromium");
        let answers = BufReader::new(child.stdout.take().expect("pipe from chromium"));
        Browser {
            child,
            commands,
            answers,
            next_id: 0,
            events: VecDeque::new(),
            _profile: profile,
        }
    }

    fn read(&mut self) -> Value {
        let mut raw = Vec::new();
        self.answers
            .read_until(0, &mut raw)
            .expect("read from chromium");
        assert!(raw.pop() == Some(0), "chromium closed the protocol pipe");
        serde_json::from_slice(&raw).expect("a protocol message")
    }

    /// Calls a method (of the page of `session`, or of the browser) and answers its result;
    /// events that arrive meanwhile are kept for [`Browser::wait_for`].
    pub fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("message");
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .and_then(|()| self.commands.flush())
            .expect("write to chromium");
        loop {
            let answer = self.read();
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
            if answer.get("method").is_some() {
                self.events.push_back(answer);
            }
        }
    }

    /// Waits for an event of a page.
    pub fn wait_for(&mut self, method: &str, session: &str) -> Value {
        loop {
            let found = self
                .events
                .iter()
                .position(|e| e["method"] == method && e["sessionId"] == session);
            if let Some(at) = found {
                return self.events.remove(at).expect("event");
            }
            let event = self.read();
            self.events.push_back(event);
        }
    }

    /// Opens a page on `url` in a new tab and waits until it has loaded; answers its session.
    pub fn open(&mut self, url: &str) -> String {
        let target = self.call("Target.createTarget", json!({"url": "about:blank"}), None);
        let session = self.call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
            None,
        )["sessionId"]
            .as_str()
            .expect("session")
            .to_owned();
        self.call("Page.enable", json!({}), Some(&session));
        self.call("Page.navigate", json!({"url": url}), Some(&session));
        self.wait_for("Page.loadEventFired", &session);
        session
    }

    /// Evaluates a script in a page, awaiting the promise it gives; answers its value (panics
    /// with the page's exception when it throws).
    pub fn evaluate(&mut self, session: &str, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
            Some(session),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!(
                "the page threw: {}",
                exception["exception"]["description"]
                    .as_str()
                    .unwrap_or(&exception.to_string())
            );
        }
        result["result"]["value"].clone()
    }

    /// Saves downloads into `dir` without asking.
    pub fn allow_downloads(&mut self, dir: &Path) {
        self.call(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": dir.display().to_string()}),
            None,
        );
    }

    /// A PNG of the page as it is now.
    pub fn screenshot(&mut self, session: &str, file: &Path) {
        use base64::Engine;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png"}),
            Some(session),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .expect("base64 screenshot");
        std::fs::write(file, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    /// Closes the browser (with its renderers) and waits until it has gone: its pipe ends.
    fn drop(&mut self) {
        let close = b"{\"id\":0,\"method\":\"Browser.close\",\"params\":{}}\0";
        if self.commands.write_all(close).is_ok() && self.commands.flush().is_ok() {
            let mut rest = Vec::new();
            let _ = std::io::Read::read_to_end(&mut self.answers, &mut rest);
        } else {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}
