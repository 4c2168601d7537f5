#pragma once
// SIGINT and SIGTERM end a run with exit status 130 and 143 after removing
// every temporary file the run had registered here (its unfinished outputs,
// hidden ones included) and the folders it created that are still empty: an
// interrupted run leaves nothing that looks like a result. The handler does
// only async-signal-safe work (unlink, rmdir, _exit).
#include <string>

namespace scanhpc::commands {

// Idempotent; every command calls it before it creates a file.
void install_interrupt_handlers();

// Marks `path` for removal if the run is interrupted (a file, or with
// `folder` a folder removed only when empty). Thread-safe; any number.
void remove_on_interrupt(const std::string& path, bool folder = false);
// Forgets `path` (it was renamed into place or removed).
void keep_on_interrupt(const std::string& path);

}  // namespace scanhpc::commands
