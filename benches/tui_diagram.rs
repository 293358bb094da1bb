//! The sequence diagram of a flow: built when a step or the log changed (a poll's answer),
//! drawn again from the cache on every other frame (the spinner, a key). A device flow that
//! polled 500 times (40 minutes at 5 s) is the longest flow a user will see. Target: a frame
//! well under the 4 ms budget of benches/tui_render.rs, a build no more than a frame.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oauthscope::oauth::{Exchange, RequestDraft, Step, StepKind, StepStatus};
use oauthscope::tui::diagram::{Diagram, DiagramCache, DiagramState, SequenceDiagram};
use oauthscope::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::StatefulWidget;

const POLLS: usize = 500;
const TOKEN: &str = "http://127.0.0.1:9000/token";

fn poll(n: usize) -> Exchange {
    let mut exchange = Exchange::new("POST", TOKEN);
    exchange.started_at += Duration::from_secs(n as u64 * 5);
    exchange.request_body = Some(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=d&client_id=tv"
            .into(),
    );
    exchange.status = Some(400);
    exchange.response_body = Some(r#"{"error":"authorization_pending"}"#.into());
    exchange
}

fn device_flow() -> (Vec<Step>, Vec<Exchange>) {
    let log: Vec<Exchange> = (0..POLLS).map(poll).collect();
    let mut ask = StepKind::DeviceAuthorize.step();
    ask.status = StepStatus::Done;
    ask.request = Some(RequestDraft::new(
        "POST",
        "http://127.0.0.1:9000/device/code",
    ));
    let mut polling = StepKind::PollDevice.step();
    polling.status = StepStatus::Waiting("authorization_pending".into());
    polling.request = Some(RequestDraft::new("POST", TOKEN));
    polling.exchange = log.last().cloned();
    (vec![ask, polling, StepKind::VerifyTokens.step()], log)
}

fn diagram(c: &mut Criterion) {
    let (steps, log) = device_flow();
    c.bench_function(&format!("diagram build, device flow, {POLLS} polls"), |b| {
        b.iter(|| Diagram::build(&steps, &log))
    });
    let theme = Theme::built_in("dark").expect("the dark theme");
    for (width, height) in [(80, 24), (120, 35)] {
        let cache = DiagramCache::default();
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        let name = format!("diagram frame (cached) {width}x{height}, {POLLS} polls");
        c.bench_function(&name, |b| {
            b.iter(|| {
                let diagram = cache.get(&steps, &log);
                let mut state = DiagramState::default();
                SequenceDiagram::new(&diagram, &theme).render(area, &mut buf, &mut state);
            })
        });
    }
}

criterion_group!(benches, diagram);
criterion_main!(benches);
