//! The real binary in tmux, resized through every size from 1x1 to 300x100 with each pane
//! focused: it stays alive, says "too small" below its minimum, draws its panes above it, and
//! gives the terminal back at quit. Needs tmux: run by `.ci/run` with `--ignored`.

mod tmux_support;

use tmux_support::Tmux;

/// From one cell to a wall display, through the sizes where layouts switch.
const SIZES: [(u16, u16); 9] = [
    (1, 1),
    (5, 3),
    (10, 5),
    (20, 5),
    (40, 11),
    (60, 12),
    (80, 24),
    (120, 35),
    (300, 100),
];

/// The app's minimum (src/tui/layout.rs).
const MIN: (u16, u16) = (40, 10);

#[test]
#[ignore = "needs tmux; .ci/run runs it with --ignored"]
fn every_size_with_every_pane_focused_keeps_the_app_alive() {
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("resize", home.path(), &[], 100, 30);
    tmux.wait_for("discovered Built-in mock");
    for pane in ["1", "2", "3", "4", "5"] {
        tmux.resize(100, 30);
        tmux.wait_for("oauthscope");
        tmux.keys(&[pane]);
        for (width, height) in SIZES {
            tmux.resize(width, height);
            let what = format!("pane {pane} at {width}x{height}");
            let small = width < MIN.0 || height < MIN.1;
            if small && width >= 10 {
                tmux.wait_for("too small");
            } else if !small {
                tmux.wait_until(&what, |s| {
                    s.contains("oauthscope") && !s.contains("too small")
                });
            }
            // A crash while drawing this size shows a moment after the frame it broke off; the
            // pause makes it show at this size rather than at the next one.
            std::thread::sleep(std::time::Duration::from_millis(200));
            assert!(tmux.alive(), "{what}: the app exited\n{}", tmux.screen());
        }
    }
    tmux.resize(80, 24);
    tmux.wait_for("oauthscope");
    tmux.quit_and_check_restored();
}
