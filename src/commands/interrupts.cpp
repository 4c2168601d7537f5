#include "scanhpc/commands/interrupts.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace scanhpc::commands {
namespace {

// Slots in blocks linked once and never freed: the handler walks them
// without allocating or locking, and a run may register any number of files
// (a year of FT4 intervals on one rank).
struct Slot {
  std::atomic<int> state{0};  // 0 free, 1 being written, 2 armed
  bool folder = false;
  char path[4096] = {};
};
struct Block {
  Slot slots[256];
  std::atomic<Block*> next{nullptr};
};
Block g_first;
std::mutex g_mutex;  // between registering threads only; never taken by the handler
// Under g_mutex: armed paths (with the folder flag as a prefix) and free slots.
std::unordered_map<std::string, Slot*>& armed() {
  static auto* m = new std::unordered_map<std::string, Slot*>;
  return *m;
}
std::string key_of(const std::string& path, bool folder) { return (folder ? "d" : "f") + path; }

template <class F>
void for_each_slot(F&& f) {
  for (Block* b = &g_first; b; b = b->next.load(std::memory_order_acquire))
    for (auto& s : b->slots) f(s);
}

extern "C" void on_interrupt(int sig) {
  // Files first, so that the folders holding them are empty.
  for_each_slot([](Slot& s) {
    if (s.state.load(std::memory_order_acquire) == 2 && !s.folder) ::unlink(s.path);
  });
  for (int pass = 0; pass < 8; ++pass)  // folders in any order: a parent empties once its children go
    for_each_slot([](Slot& s) {
      if (s.state.load(std::memory_order_acquire) == 2 && s.folder) ::rmdir(s.path);
    });
  ::_exit(128 + sig);
}

Slot* free_slot() {
  Block* last = &g_first;
  for (Block* b = &g_first; b; b = b->next.load(std::memory_order_relaxed)) {
    last = b;
    for (auto& s : b->slots) {
      int expected = 0;
      if (s.state.compare_exchange_strong(expected, 1)) return &s;
    }
  }
  auto* block = new Block;
  block->slots[0].state.store(1);
  last->next.store(block, std::memory_order_release);
  return &block->slots[0];
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
  auto [it, inserted] = armed().try_emplace(key_of(path, folder), nullptr);
  if (!inserted) return;  // already armed
  Slot* s = free_slot();
  std::memcpy(s->path, path.c_str(), path.size() + 1);
  s->folder = folder;
  s->state.store(2, std::memory_order_release);
  it->second = s;
}

void keep_on_interrupt(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  for (bool folder : {false, true}) {
    auto it = armed().find(key_of(path, folder));
    if (it == armed().end()) continue;
    it->second->state.store(0, std::memory_order_release);
    armed().erase(it);
  }
}

}  // namespace scanhpc::commands
