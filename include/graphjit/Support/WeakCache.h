// A thread-safe map from keys to values held weakly: a value lives as long as
// someone outside the cache holds it, and a lookup never revives it. The JIT's
// kernels and linked modules and Runtime's compiled schedules are kept this way,
// so machine code no Function uses any more is unlinked.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace graphjit {

template <class Key, class Value, class Hash = std::hash<Key>> class WeakCache {
public:
  /// The value stored under `key` if it is still alive, else null (an expired entry is dropped).
  std::shared_ptr<Value> find(const Key &key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    std::shared_ptr<Value> v = it->second.lock();
    if (!v) map_.erase(it);
    return v;
  }

  /// Stores `value` under `key`, replacing what was there.
  void insert(const Key &key, const std::shared_ptr<Value> &value) {
    std::lock_guard<std::mutex> lock(mutex_);
    map_[key] = value;
  }

private:
  std::mutex mutex_;
  std::unordered_map<Key, std::weak_ptr<Value>, Hash> map_;
};

} // namespace graphjit
