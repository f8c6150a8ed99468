//! End-to-end tests: the real coffer-server binary, the SDK and the CLI together. One binary, so
//! the suite links once instead of once per file.

mod crash;
mod link_secrets;
mod malicious_server;
mod zero_knowledge;
