// jemalloc: fewer cycles per allocation than glibc's malloc for the many small, short-lived
// strings and vectors of a build, at about the same peak memory (see README, Performance).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    smelt::cli::run()
}
