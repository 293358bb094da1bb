//! The panic hook restores the terminal and then hands over to the hook that was there
//! before, so the panic message still gets printed. Its own test binary: hooks are global.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn the_panic_hook_chains_the_previous_one() {
    let previous_ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&previous_ran);
    std::panic::set_hook(Box::new(move |_| flag.store(true, Ordering::SeqCst)));
    oauthscope::tui::terminal::install_panic_hook();

    let result = std::panic::catch_unwind(|| panic!("a bug"));

    assert!(result.is_err());
    assert!(
        previous_ran.load(Ordering::SeqCst),
        "the previous hook must still run"
    );
    let _ = std::panic::take_hook();
}
