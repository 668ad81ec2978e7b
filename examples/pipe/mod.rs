//! What a command-line tool does when its reader goes away.

/// Restores the default action of SIGPIPE, so that `simulate | head` ends
/// the program quietly when `head` has read enough, as other Unix tools do.
///
/// Rust programs ignore SIGPIPE, so a write to a closed pipe fails, and
/// `println!` turns that failure into a panic and a backtrace.
pub fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
