// Shared by the stack-map unit tests (stackmap_test.cpp, stackmap_malformed_test.cpp): a
// builder for StackMap v3 blobs (llvm/docs/StackMaps.rst), sections and registrations.
#ifndef GOSTACK_TEST_UNIT_STACKMAP_TEST_UTIL_H
#define GOSTACK_TEST_UNIT_STACKMAP_TEST_UTIL_H
#include "internal.h"
#include "stackmap.h"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using testing::ExitedWithCode;

// ---- Blob builder: the byte layout of llvm/docs/StackMaps.rst, version 3 ------------------------

struct Loc {
  uint8_t type;
  uint16_t size;
  uint16_t reg;
  int32_t offset;
};

struct LiveOut {
  uint16_t reg;
  uint8_t size;
};

struct Rec {
  uint64_t id;
  uint32_t insn_offset;
  std::vector<Loc> locs;
  std::vector<LiveOut> live_outs;
};

struct Fn {
  uint64_t addr;
  uint64_t stack_size;
  std::vector<Rec> recs;
};

struct Blob {
  std::vector<Fn> fns;
  std::vector<uint64_t> constants;
};

struct Bytes {
  std::vector<uint8_t> b;
  template <typename T> size_t put(T v) {
    size_t at = b.size();
    b.resize(at + sizeof v);
    memcpy(&b[at], &v, sizeof v);
    return at;
  }
  void align8() {
    while (b.size() % 8)
      b.push_back(0);
  }
  template <typename T> void patch(size_t at, T v) { memcpy(&b.at(at), &v, sizeof v); }
  void append(const Bytes &o) { b.insert(b.end(), o.b.begin(), o.b.end()); }
};

Bytes Serialize(const Blob &blob) {
  Bytes o;
  size_t nrecs = 0;
  for (const Fn &f : blob.fns)
    nrecs += f.recs.size();
  o.put<uint8_t>(3);
  o.put<uint8_t>(0);
  o.put<uint16_t>(0);
  o.put<uint32_t>(blob.fns.size());
  o.put<uint32_t>(blob.constants.size());
  o.put<uint32_t>(nrecs);
  for (const Fn &f : blob.fns) {
    o.put<uint64_t>(f.addr);
    o.put<uint64_t>(f.stack_size);
    o.put<uint64_t>(f.recs.size());
  }
  for (uint64_t c : blob.constants)
    o.put<uint64_t>(c);
  for (const Fn &f : blob.fns)
    for (const Rec &r : f.recs) {
      o.put<uint64_t>(r.id);
      o.put<uint32_t>(r.insn_offset);
      o.put<uint16_t>(0);
      o.put<uint16_t>(r.locs.size());
      for (const Loc &l : r.locs) {
        o.put<uint8_t>(l.type);
        o.put<uint8_t>(0);
        o.put<uint16_t>(l.size);
        o.put<uint16_t>(l.reg);
        o.put<uint16_t>(0);
        o.put<int32_t>(l.offset);
      }
      o.align8();
      o.put<uint16_t>(0);
      o.put<uint16_t>(r.live_outs.size());
      for (const LiveOut &lo : r.live_outs) {
        o.put<uint16_t>(lo.reg);
        o.put<uint8_t>(0);
        o.put<uint8_t>(lo.size);
      }
      o.align8();
    }
  return o;
}

// An 8-aligned heap copy, as the linker would place a section. Not inside any loaded object, so
// the runtime skips its "address is in the module's code" checks and names the module
// "<unknown module 0x...>".
struct Section {
  std::unique_ptr<uint64_t[]> words;
  size_t size = 0;
  explicit Section(const Bytes &bytes) : words(new uint64_t[bytes.b.size() / 8 + 2]()),
                                         size(bytes.b.size()) {
    if (size)
      memcpy(words.get(), bytes.b.data(), size);
  }
  const void *begin() const { return words.get(); }
  const void *end() const { return reinterpret_cast<const uint8_t *>(words.get()) + size; }
};

constexpr Loc kSpill{GOSTACK_SM_INDIRECT, 8, 7, 16};   // [rsp + 16]
constexpr Loc kAlloca{GOSTACK_SM_DIRECT, 8, 7, 32};    // rsp + 32
constexpr Loc kZero{GOSTACK_SM_CONSTANT, 8, 0, 0};     // statepoint header constants
constexpr Loc kBig{GOSTACK_SM_CONSTANT_INDEX, 8, 0, 0}; // constants[0]

// A blob shaped like a statepoint's: three header constants, then gc pointers.
Blob OneFunction(uint64_t fn, std::vector<uint32_t> offsets, uint64_t stack = 40) {
  Fn f{fn, stack, {}};
  for (uint32_t off : offsets)
    f.recs.push_back(Rec{0xabcdef00, off, {kZero, kZero, kZero, kSpill, kSpill, kAlloca}, {}});
  return Blob{{f}, {}};
}

struct Registered {
  const void *key;
  ~Registered() { __gostack_unregister_module(key); }
};

std::string Quote(const std::string &s) { // a literal for gtest's POSIX regex
  std::string out;
  for (char c : s) {
    if (strchr("\\^$.|?*+()[]{}", c))
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void NoSymbolizer() { setenv("GOSTACK_SYMBOLIZE", "0", 1); }

std::string ParseError(const Bytes &bytes) {
  Section s(bytes);
  char err[512] = "unset";
  int rc = gostack_stackmap_parse(s.begin(), s.end(), nullptr, nullptr, err, sizeof err);
  return rc == 0 ? std::string("ok") : std::string(err);
}

} // namespace

#endif
