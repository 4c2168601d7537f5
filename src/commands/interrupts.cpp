#include "scanhpc/commands/interrupts.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace scanhpc::commands {
namespace {

// Fixed slots: the handler walks them without allocating or locking.
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 armed
  bool folder = false;
  char path[4096] = {};
};
Slot g_slots[256];
std::mutex g_mutex;  // between registering threads only; never taken by the handler

extern "C" void on_interrupt(int sig) {
  for (auto& s : g_slots)  // files first, so that the folders holding them are empty
    if (s.state.load(std::memory_order_acquire) == 2 && !s.folder) ::unlink(s.path);
  for (int pass = 0; pass < 8; ++pass)  // folders in any slot order: a parent empties once its children go
    for (size_t i = sizeof g_slots / sizeof g_slots[0]; i-- > 0;)
      if (g_slots[i].state.load(std::memory_order_acquire) == 2 && g_slots[i].folder) ::rmdir(g_slots[i].path);
  ::_exit(128 + sig);
}

}  // namespace

void install_interrupt_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  });
}

void remove_on_interrupt(const std::string& path, bool folder) {
  if (path.empty() || path.size() >= sizeof(Slot::path)) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  for (auto& s : g_slots) {
    if (s.state.load() == 2 && s.folder == folder && path == s.path) return;  // already armed
  }
  for (auto& s : g_slots) {
    int free_slot = 0;
    if (!s.state.compare_exchange_strong(free_slot, 1)) continue;
    std::memcpy(s.path, path.c_str(), path.size() + 1);
    s.folder = folder;
    s.state.store(2, std::memory_order_release);
    return;
  }
}

void keep_on_interrupt(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (auto& s : g_slots)
    if (s.state.load() == 2 && path == s.path) s.state.store(0, std::memory_order_release);
}

}  // namespace scanhpc::commands
