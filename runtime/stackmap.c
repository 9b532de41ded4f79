// Stack maps: registration and lookup; the parsers are in stackmap_parse.c. docs/design.md,
// "Stack maps".
//
// Data: every executable or DSO compiled with stack maps has a `gostack_stackmaps` section (the
// concatenated StackMap v3 blobs of its objects) and a `gostack_fninfo` section; the constructor
// the plugin adds to each object registers both (bounds from __start_/__stop_ symbols).
//
// Index: one immutable snapshot (sorted return addresses -> call-site records, sorted function
// entries, and a hash table from return addresses to the frames registration decoded for stack
// moves) published through an atomic pointer. Registration and unregistration (start-up,
// dlopen, dlclose) hold reg_lock, build a new snapshot by an O(n) merge (or filter) of the
// current one, publish it, wait until no lookup can still be reading the old one, and free it.
//
// Readers announce themselves on counters (sleepable-RCU style): SM_STRIPES stripes, each
// thread sticks to one and each stripe has its own cache line, so lookups from different
// threads rarely share a line; each stripe has two counters, one per epoch parity. A reader
// reads the epoch, increments its stripe's counter of that parity, checks that the epoch did
// not change (else it undoes that and retries), loads the snapshot pointer, and decrements the
// counter after its last access. A writer publishes the new snapshot, advances the epoch, and
// waits until every counter of the old parity has been seen at zero; then it frees the old
// snapshot. Readers that arrive after the epoch moved count on the other parity and load the
// new pointer, so the writer waits only for lookups already in flight, however busy the
// readers are. (Correctness: a reader that loaded the old pointer did so before the
// publication; its epoch check came earlier still, so it is counted on the old parity — or, if
// it saw an even older epoch, the previous writer already waited for it. All seq_cst.)
// Readers never block. The call-site records themselves live in per-module arrays that outlive
// every snapshot referring to them, so the pointer gostack_stackmap_find returns stays valid
// until its module is unregistered.
#include "stackmap.h"

#include "internal.h"
#include "stackmap_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SM_STRIPES 64
#define SM_CACHE_LINE 64
// Executable PT_LOAD segments remembered per module (one with GNU ld and lld; a few with
// unusual linker scripts). Modules with more skip the "address is in the module's code" checks.
#define SM_MAX_SEGS 16
#define SM_PATH_MAX 1024

// ---- Modules ------------------------------------------------------------------------------------

typedef struct sm_fn {
  uintptr_t addr;
  uintptr_t last; // last byte of the executable segment holding addr, UINTPTR_MAX if unknown
  uint32_t ptr_arg_regs;
  uint32_t flags;
} sm_fn;

typedef struct sm_module {
  struct sm_module *next;
  const void *key; // maps_begin, or fninfo_begin without maps
  const void *maps_begin, *maps_end, *fninfo_begin, *fninfo_end;
  bool is_main;
  gostack_sm_callsite *sites; // sorted by return_address, duplicates merged
  size_t nsites;
  sm_fn *fns; // sorted by addr, duplicates merged
  size_t nfns;
  uint32_t *frames; // the sites' decoded frames (gostack_sm_frame + offsets), back to back
  // Section offsets of sites[i] / fns[i], for messages; only while registering.
  size_t *site_offsets, *fn_offsets;
} sm_module;

// Where a module lives, from dl_iterate_phdr.
typedef struct module_info {
  bool found; // the anchor address lies in a loaded object
  bool is_main;
  size_t nsegs; // executable PT_LOAD segments; 0 = unknown (no address checks)
  uintptr_t seg_lo[SM_MAX_SEGS], seg_hi[SM_MAX_SEGS];
  char path[SM_PATH_MAX];
} module_info;

typedef struct find_module_query {
  uintptr_t anchor;
  module_info *mi;
  size_t index;
} find_module_query;

static int find_module_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  find_module_query *q = data;
  size_t index = q->index++;
  bool hit = false;
  for (size_t i = 0; i < info->dlpi_phnum && !hit; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    hit = ph->p_type == PT_LOAD && q->anchor >= lo && q->anchor - lo < ph->p_memsz;
  }
  if (!hit)
    return 0;
  module_info *mi = q->mi;
  mi->found = true;
  mi->is_main = index == 0; // glibc reports the main program first
  for (size_t i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
      continue;
    if (mi->nsegs == SM_MAX_SEGS) { // too many to track: check nothing
      mi->nsegs = 0;
      break;
    }
    mi->seg_lo[mi->nsegs] = info->dlpi_addr + ph->p_vaddr;
    mi->seg_hi[mi->nsegs] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
    mi->nsegs++;
  }
  if (info->dlpi_name && info->dlpi_name[0])
    snprintf(mi->path, sizeof mi->path, "%s", info->dlpi_name);
  return 1;
}

static void find_module(const void *anchor, module_info *mi) {
  memset(mi, 0, sizeof *mi);
  find_module_query q = {(uintptr_t)anchor, mi, 0};
  dl_iterate_phdr(find_module_cb, &q);
  if (mi->path[0])
    return;
  if (mi->is_main) {
    ssize_t n = readlink("/proc/self/exe", mi->path, sizeof mi->path - 1);
    if (n > 0) {
      mi->path[n] = 0;
      return;
    }
    snprintf(mi->path, sizeof mi->path, "%s", program_invocation_name);
    return;
  }
  snprintf(mi->path, sizeof mi->path, mi->found ? "<unnamed module>" : "<unknown module %p>",
           anchor);
}

// The executable segment of the module holding pc; -1 if none or unknown.
static int segment_of(const module_info *mi, uintptr_t pc) {
  for (size_t i = 0; i < mi->nsegs; i++)
    if (pc >= mi->seg_lo[i] && pc < mi->seg_hi[i])
      return (int)i;
  return -1;
}

// Collects the call sites of one module (two passes: count, then store).
typedef struct site_builder {
  const module_info *mi;
  size_t count;
  struct site_rec {
    gostack_sm_callsite cs;
    size_t offset;
  } *recs; // NULL in the counting pass
} site_builder;

static int collect_site(void *ctx, const gostack_sm_callsite *cs, size_t offset, char *err,
                        size_t errlen) {
  site_builder *b = ctx;
  if (b->mi->nsegs) {
    int seg = segment_of(b->mi, cs->function_address);
    if (seg < 0) {
      snprintf(err, errlen, "function address 0x%lx is not in the module's code",
               (unsigned long)cs->function_address);
      return -1;
    }
    // The return address of a call that ends the segment is its end.
    if (cs->return_address > b->mi->seg_hi[seg]) {
      snprintf(err, errlen,
               "return address 0x%lx lies beyond the code segment of its function 0x%lx",
               (unsigned long)cs->return_address, (unsigned long)cs->function_address);
      return -1;
    }
  }
  if (b->recs) {
    b->recs[b->count].cs = *cs;
    b->recs[b->count].offset = offset;
  }
  b->count++;
  return 0;
}

typedef struct fn_builder {
  const module_info *mi;
  size_t count;
  struct fn_rec {
    sm_fn fn;
    size_t offset;
  } *recs;
} fn_builder;

static int in_code_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t pc = *(const uintptr_t *)data;
  for (size_t i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && pc >= lo && pc - lo < ph->p_memsz)
      return 1;
  }
  return 0;
}

// pc lies in the code of some loaded object.
static bool in_some_code(uintptr_t pc) { return dl_iterate_phdr(in_code_cb, &pc) != 0; }

static int collect_fn(void *ctx, const gostack_fninfo_record *r, size_t offset, char *err,
                      size_t errlen) {
  fn_builder *b = ctx;
  uintptr_t last = UINTPTR_MAX;
  if (b->mi->nsegs) {
    int seg = segment_of(b->mi, (uintptr_t)r->fn_addr);
    if (seg < 0) {
      // The plugin's records refer to functions by symbol: in a DSO, the dynamic linker binds
      // a default-visibility function that another object also defines (C++ inline functions,
      // interposition) to that object's copy. The record then describes code this module does
      // not own, and which the defining module describes itself (or which is not gostack code
      // and never looked up): skip it. This module's own copy is then only reachable through
      // its symbol, i.e. not at all.
      if (in_some_code((uintptr_t)r->fn_addr))
        return 0;
      snprintf(err, errlen, "function address 0x%lx is not in the module's code",
               (unsigned long)r->fn_addr);
      return -1;
    }
    last = b->mi->seg_hi[seg] - 1;
  }
  if (b->recs)
    b->recs[b->count] = (struct fn_rec){{(uintptr_t)r->fn_addr, last, r->ptr_arg_regs, r->flags},
                                        offset};
  b->count++;
  return 0;
}

static int cmp_site_rec(const void *a, const void *b) {
  const struct site_rec *x = a, *y = b;
  if (x->cs.return_address != y->cs.return_address)
    return x->cs.return_address < y->cs.return_address ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_fn_rec(const void *a, const void *b) {
  const struct fn_rec *x = a, *y = b;
  if (x->fn.addr != y->fn.addr)
    return x->fn.addr < y->fn.addr ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static uint64_t location_value_key(const gostack_sm_callsite *cs, const gostack_sm_location *l) {
  return l->type == GOSTACK_SM_CONSTANT_INDEX ? cs->constants[l->offset] : (uint64_t)l->offset;
}

// Two records of one return address say the same (a function emitted twice, e.g. by objects
// linked without COMDAT deduplication).
static bool same_site(const gostack_sm_callsite *a, const gostack_sm_callsite *b) {
  if (a->function_address != b->function_address || a->frame_size != b->frame_size ||
      a->id != b->id || a->num_locations != b->num_locations ||
      a->num_live_outs != b->num_live_outs)
    return false;
  for (uint32_t i = 0; i < a->num_locations; i++) {
    const gostack_sm_location *x = &a->locations[i], *y = &b->locations[i];
    if (x->type != y->type || x->size != y->size || x->dwarf_reg != y->dwarf_reg ||
        location_value_key(a, x) != location_value_key(b, y))
      return false;
  }
  return a->num_live_outs == 0 ||
         memcmp(a->live_outs, b->live_outs, a->num_live_outs * sizeof *a->live_outs) == 0;
}

__attribute__((format(printf, 5, 6))) static int module_error(char *err, size_t errlen,
                                                              const char *what,
                                                              const module_info *mi,
                                                              const char *fmt, ...) {
  if (err && errlen) {
    int n = snprintf(err, errlen, "malformed %s in %s ", what, mi->path);
    if (n >= 0 && (size_t)n < errlen) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return -1;
}

static int out_of_memory(char *err, size_t errlen, const module_info *mi) {
  snprintf(err, errlen, "out of memory registering the stack maps of %s", mi->path);
  return -1;
}

// Decodes every site's record for stack moves (gostack_sm_decode_frame) into one array, so a
// move reads a flat list of word offsets per frame. Under reg_lock, before the sites are
// published; a move (runtime/adjustframes.c) finds them through the snapshot's table.
static int decode_frames(sm_module *m, const module_info *mi, char *err, size_t errlen) {
  enum { HEADER = sizeof(gostack_sm_frame) / sizeof(uint32_t) };
  size_t words = 0; // counting pass: a header and the offsets of each
  for (size_t i = 0; i < m->nsites; i++) {
    gostack_sm_frame probe;
    words += HEADER + gostack_sm_decode_frame(&m->sites[i], &probe, 0);
  }
  if (!words)
    return 0;
  m->frames = malloc(words * sizeof *m->frames);
  if (!m->frames)
    return out_of_memory(err, errlen, mi);
  size_t at = 0;
  for (size_t i = 0; i < m->nsites; i++) {
    gostack_sm_frame *f = (gostack_sm_frame *)(void *)&m->frames[at];
    at += HEADER + gostack_sm_decode_frame(&m->sites[i], f, words - at - HEADER);
    m->sites[i].frame = f;
  }
  return 0;
}

static int build_sites(sm_module *m, const module_info *mi, char *err, size_t errlen) {
  char reason[SM_REASON_MAX];
  site_builder b = {mi, 0, NULL};
  if (gostack_stackmap_parse(m->maps_begin, m->maps_end, collect_site, &b, reason,
                             sizeof reason))
    return module_error(err, errlen, "stack map", mi, "%s", reason);
  if (b.count == 0)
    return 0;
  size_t n = b.count;
  b.recs = calloc(n, sizeof *b.recs);
  m->sites = calloc(n, sizeof *m->sites);
  m->site_offsets = calloc(n, sizeof *m->site_offsets);
  if (!b.recs || !m->sites || !m->site_offsets) {
    free(b.recs);
    return out_of_memory(err, errlen, mi);
  }
  b.count = 0;
  // The data did not change: the second pass succeeds as the first did.
  if (gostack_stackmap_parse(m->maps_begin, m->maps_end, collect_site, &b, reason,
                             sizeof reason) ||
      b.count != n) {
    free(b.recs);
    return module_error(err, errlen, "stack map", mi, "%s", "changed while being read");
  }
  qsort(b.recs, n, sizeof *b.recs, cmp_site_rec);
  // Records of one address: identical ones (a function emitted by two objects without COMDAT
  // deduplication) are merged. Different ones cannot both be right, and can only come from
  // llvm.experimental.stackmap / patchpoint records, which are keyed by the address of the
  // instruction *after* their label, not by a return address: the address is left out of the
  // index, so a stack walk that reaches it finds no map (and says so) instead of a wrong one.
  size_t out = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    bool same = true;
    for (; j < n && b.recs[j].cs.return_address == b.recs[i].cs.return_address; j++)
      same = same && same_site(&b.recs[i].cs, &b.recs[j].cs);
    if (same) {
      m->site_offsets[out] = b.recs[i].offset;
      m->sites[out++] = b.recs[i].cs;
    }
    i = j;
  }
  free(b.recs);
  m->nsites = out;
  return decode_frames(m, mi, err, errlen);
}

static int build_fns(sm_module *m, const module_info *mi, char *err, size_t errlen) {
  char reason[SM_REASON_MAX];
  fn_builder b = {mi, 0, NULL};
  if (gostack_fninfo_parse(m->fninfo_begin, m->fninfo_end, collect_fn, &b, reason,
                           sizeof reason))
    return module_error(err, errlen, "function info", mi, "%s", reason);
  if (b.count == 0)
    return 0;
  size_t n = b.count;
  b.recs = calloc(n, sizeof *b.recs);
  m->fns = calloc(n, sizeof *m->fns);
  m->fn_offsets = calloc(n, sizeof *m->fn_offsets);
  if (!b.recs || !m->fns || !m->fn_offsets) {
    free(b.recs);
    return out_of_memory(err, errlen, mi);
  }
  b.count = 0;
  if (gostack_fninfo_parse(m->fninfo_begin, m->fninfo_end, collect_fn, &b, reason,
                           sizeof reason) ||
      b.count != n) {
    free(b.recs);
    return module_error(err, errlen, "function info", mi, "%s", "changed while being read");
  }
  qsort(b.recs, n, sizeof *b.recs, cmp_fn_rec);
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    if (out && m->fns[out - 1].addr == b.recs[i].fn.addr) {
      if (m->fns[out - 1].ptr_arg_regs != b.recs[i].fn.ptr_arg_regs ||
          m->fns[out - 1].flags != b.recs[i].fn.flags) {
        int r = module_error(err, errlen, "function info", mi,
                             "at offset %zu: record for function 0x%lx conflicts with the one "
                             "at offset %zu",
                             b.recs[i].offset, (unsigned long)b.recs[i].fn.addr,
                             b.recs[i - 1].offset);
        free(b.recs);
        return r;
      }
      continue;
    }
    m->fn_offsets[out] = b.recs[i].offset;
    m->fns[out++] = b.recs[i].fn;
  }
  free(b.recs);
  m->nfns = out;
  return 0;
}

static void free_offsets(sm_module *m) {
  free(m->site_offsets);
  free(m->fn_offsets);
  m->site_offsets = m->fn_offsets = NULL;
}

static void free_module(sm_module *m) {
  if (!m)
    return;
  free_offsets(m);
  free(m->sites);
  free(m->fns);
  free(m->frames);
  free(m);
}

// ---- Index snapshots ----------------------------------------------------------------------------

// Immutable once published.
typedef struct sm_index {
  size_t nsites;
  uintptr_t *ras; // sorted return addresses
  const gostack_sm_callsite **sites;
  size_t nfns;
  uintptr_t *fn_addrs; // sorted function entries
  const sm_fn **fns;
  // Return address -> decoded frame, for moves: open addressing, linear probing, at most half
  // full (gostack_stackmap_walk_find).
  gostack_sm_hent *table;
  size_t table_mask; // (entries - 1) * sizeof *table: gostack_sm_hash works in byte offsets
} sm_index;

static gostack_sm_hent empty_table[2];
static const sm_index empty_index = {.table = empty_table, .table_mask = sizeof empty_table[0]};
static _Atomic(const sm_index *) current_index = &empty_index;

typedef struct sm_stripe {
  _Alignas(SM_CACHE_LINE) atomic_size_t readers[2]; // by epoch parity
} sm_stripe;
static sm_stripe stripes[SM_STRIPES];
static atomic_uint next_stripe;
static atomic_uint epoch;
static __thread unsigned my_stripe __attribute__((tls_model("initial-exec"))); // index + 1

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static sm_module *modules; // under reg_lock
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

typedef atomic_size_t *sm_reader; // the counter a lookup is counted on

static inline sm_reader reader_enter(void) {
  unsigned s = my_stripe;
  if (__builtin_expect(s == 0, 0)) {
    s = atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) % SM_STRIPES + 1;
    my_stripe = s;
  }
  sm_stripe *st = &stripes[s - 1];
  for (;;) {
    unsigned e = atomic_load_explicit(&epoch, memory_order_seq_cst);
    atomic_size_t *c = &st->readers[e & 1];
    atomic_fetch_add_explicit(c, 1, memory_order_seq_cst);
    if (__builtin_expect(atomic_load_explicit(&epoch, memory_order_seq_cst) == e, 1))
      return c;
    atomic_fetch_sub_explicit(c, 1, memory_order_release); // a writer moved on: recount
  }
}

static inline void reader_exit(sm_reader c) {
  atomic_fetch_sub_explicit(c, 1, memory_order_release);
}

// Publishes idx and returns once no lookup can still use the previous snapshot, which it
// returns. Under reg_lock.
static const sm_index *publish(const sm_index *idx) {
  const sm_index *old = atomic_exchange_explicit(&current_index, idx, memory_order_seq_cst);
  unsigned e = atomic_fetch_add_explicit(&epoch, 1, memory_order_seq_cst);
  for (size_t i = 0; i < SM_STRIPES; i++)
    for (unsigned spins = 0;
         atomic_load_explicit(&stripes[i].readers[e & 1], memory_order_seq_cst) != 0; spins++) {
      // A lookup is a binary search: wait briefly, then let a preempted reader run.
      if (spins < 64)
        __builtin_ia32_pause();
      else if (spins < 128)
        sched_yield();
      else
        nanosleep(&(struct timespec){0, 50000}, NULL);
    }
  return old;
}

static void free_index(const sm_index *idx) {
  if (idx != &empty_index)
    free((void *)idx);
}

// One allocation: header, then the four arrays and the table (zeroed: empty).
static sm_index *alloc_index(size_t nsites, size_t nfns) {
  if (nsites > SIZE_MAX / 64 || nfns > SIZE_MAX / 64)
    return NULL;
  size_t entries = 2;
  while (entries < 2 * nsites)
    entries *= 2;
  if (entries > ((size_t)1 << 31)) // gostack_sm_hash takes 32 bits
    return NULL;
  size_t table_bytes = entries * sizeof(gostack_sm_hent);
  size_t bytes = sizeof(sm_index) + table_bytes + nsites * (sizeof(uintptr_t) + sizeof(void *)) +
                 nfns * (sizeof(uintptr_t) + sizeof(void *));
  sm_index *idx = malloc(bytes);
  if (!idx)
    return NULL;
  gostack_sm_hent *table = (gostack_sm_hent *)(void *)(idx + 1);
  memset(table, 0, table_bytes);
  char *p = (char *)table + table_bytes;
  uintptr_t *ras = (uintptr_t *)(void *)p;
  p += nsites * sizeof(uintptr_t);
  const gostack_sm_callsite **sites = (const gostack_sm_callsite **)(void *)p;
  p += nsites * sizeof(void *);
  uintptr_t *fn_addrs = (uintptr_t *)(void *)p;
  p += nfns * sizeof(uintptr_t);
  const sm_fn **fns = (const sm_fn **)(void *)p;
  *idx = (sm_index){nsites, ras, sites, nfns, fn_addrs, fns, table, (entries - 1) * sizeof *table};
  return idx;
}

// Fills idx's table from its sorted sites (no duplicate return addresses).
static void fill_table(sm_index *idx) {
  size_t mask = idx->table_mask / sizeof *idx->table;
  for (size_t i = 0; i < idx->nsites; i++) {
    uintptr_t ra = idx->ras[i];
    size_t h = gostack_sm_hash(ra, idx->table_mask) / sizeof *idx->table;
    while (idx->table[h].return_address)
      h = (h + 1) & mask;
    // A frame a move cannot use is not in the table: the walk's lookup then fails, and only
    // its slow path tells the task's base, a missing map and a bad record apart.
    const gostack_sm_frame *f = idx->sites[i]->frame;
    idx->table[h] = (gostack_sm_hent){ra, f && !f->error ? f : NULL};
  }
}

// The old index plus module m, merged in O(n). On a return address or function entry that is
// already registered (another module claims the same code) returns NULL with err set.
static sm_index *index_add(const sm_index *old, const sm_module *m, const module_info *mi,
                           char *err, size_t errlen) {
  sm_index *idx = alloc_index(old->nsites + m->nsites, old->nfns + m->nfns);
  if (!idx) {
    out_of_memory(err, errlen, mi);
    return NULL;
  }
  uintptr_t *ras = idx->ras;
  const gostack_sm_callsite **sites = idx->sites;
  size_t i = 0, j = 0, o = 0;
  while (i < old->nsites || j < m->nsites) {
    if (j == m->nsites || (i < old->nsites && old->ras[i] < m->sites[j].return_address)) {
      ras[o] = old->ras[i];
      sites[o++] = old->sites[i++];
    } else if (i < old->nsites && old->ras[i] == m->sites[j].return_address) {
      module_error(err, errlen, "stack map", mi,
                   "at offset %zu: return address 0x%lx is already described by a stack map "
                   "registered from another module",
                   m->site_offsets[j], (unsigned long)old->ras[i]);
      free(idx);
      return NULL;
    } else {
      ras[o] = m->sites[j].return_address;
      sites[o++] = &m->sites[j++];
    }
  }
  uintptr_t *fn_addrs = idx->fn_addrs;
  const sm_fn **fns = idx->fns;
  i = j = o = 0;
  while (i < old->nfns || j < m->nfns) {
    if (j == m->nfns || (i < old->nfns && old->fn_addrs[i] < m->fns[j].addr)) {
      fn_addrs[o] = old->fn_addrs[i];
      fns[o++] = old->fns[i++];
    } else if (i < old->nfns && old->fn_addrs[i] == m->fns[j].addr) {
      module_error(err, errlen, "function info", mi,
                   "at offset %zu: function 0x%lx is already described by function info "
                   "registered from another module",
                   m->fn_offsets[j], (unsigned long)m->fns[j].addr);
      free(idx);
      return NULL;
    } else {
      fn_addrs[o] = m->fns[j].addr;
      fns[o++] = &m->fns[j++];
    }
  }
  fill_table(idx);
  return idx;
}

// The old index without module m's entries. NULL when out of memory.
static sm_index *index_remove(const sm_index *old, const sm_module *m) {
  sm_index *idx = alloc_index(old->nsites - m->nsites, old->nfns - m->nfns);
  if (!idx)
    return NULL;
  uintptr_t *ras = idx->ras;
  const gostack_sm_callsite **sites = idx->sites;
  size_t o = 0;
  for (size_t i = 0; i < old->nsites; i++) {
    const gostack_sm_callsite *s = old->sites[i];
    if (m->nsites && s >= m->sites && s < m->sites + m->nsites)
      continue;
    ras[o] = old->ras[i];
    sites[o++] = s;
  }
  uintptr_t *fn_addrs = idx->fn_addrs;
  const sm_fn **fns = idx->fns;
  o = 0;
  for (size_t i = 0; i < old->nfns; i++) {
    const sm_fn *f = old->fns[i];
    if (m->nfns && f >= m->fns && f < m->fns + m->nfns)
      continue;
    fn_addrs[o] = old->fn_addrs[i];
    fns[o++] = f;
  }
  fill_table(idx);
  return idx;
}

// ---- fork ---------------------------------------------------------------------------------------

static void atfork_prepare(void) { pthread_mutex_lock(&reg_lock); }
static void atfork_parent(void) { pthread_mutex_unlock(&reg_lock); }
static void atfork_child(void) {
  // Only the forking thread survives, and it was not inside a lookup: readers that were
  // counted belonged to threads that no longer exist.
  for (size_t i = 0; i < SM_STRIPES; i++) {
    atomic_store_explicit(&stripes[i].readers[0], 0, memory_order_relaxed);
    atomic_store_explicit(&stripes[i].readers[1], 0, memory_order_relaxed);
  }
  pthread_mutex_unlock(&reg_lock);
}
static void install_atfork(void) { pthread_atfork(atfork_prepare, atfork_parent, atfork_child); }

// ---- Registration -------------------------------------------------------------------------------

static sm_module *find_registered(const void *key) {
  for (sm_module *m = modules; m; m = m->next)
    if (m->key == key)
      return m;
  return NULL;
}

int gostack_register_module_checked(const void *maps_begin, const void *maps_end,
                                    const void *fninfo_begin, const void *fninfo_end, char *err,
                                    size_t errlen) {
  if (err && errlen)
    err[0] = 0;
  if (!maps_begin && !maps_end && !fninfo_begin && !fninfo_end)
    return 0; // nothing compiled with stack maps in this module
  pthread_once(&atfork_once, install_atfork);
  const void *key = maps_begin ? maps_begin : fninfo_begin;
  module_info *mi = malloc(sizeof *mi); // a path buffer: kept off small system stacks
  if (!mi) {
    snprintf(err, errlen, "out of memory registering stack maps");
    return -1;
  }
  int rc = -1;
  pthread_mutex_lock(&reg_lock);
  sm_module *m = find_registered(key);
  if (m) {
    if (m->maps_begin == maps_begin && m->maps_end == maps_end &&
        m->fninfo_begin == fninfo_begin && m->fninfo_end == fninfo_end) {
      rc = 0; // another object of the same module
    } else {
      find_module(key, mi);
      snprintf(err, errlen,
               "stack maps of %s registered twice with different bounds (%p..%p, %p..%p; "
               "then %p..%p, %p..%p)",
               mi->path, m->maps_begin, m->maps_end, m->fninfo_begin, m->fninfo_end,
               maps_begin, maps_end, fninfo_begin, fninfo_end);
    }
    goto out;
  }
  find_module(key, mi);
  m = calloc(1, sizeof *m);
  if (!m) {
    out_of_memory(err, errlen, mi);
    goto out;
  }
  *m = (sm_module){.key = key,
                   .maps_begin = maps_begin,
                   .maps_end = maps_end,
                   .fninfo_begin = fninfo_begin,
                   .fninfo_end = fninfo_end,
                   .is_main = mi->is_main};
  if (build_sites(m, mi, err, errlen) || build_fns(m, mi, err, errlen)) {
    free_module(m);
    goto out;
  }
  const sm_index *old = atomic_load_explicit(&current_index, memory_order_relaxed);
  sm_index *idx = index_add(old, m, mi, err, errlen);
  if (!idx) {
    free_module(m);
    goto out;
  }
  free_offsets(m);
  m->next = modules;
  modules = m;
  free_index(publish(idx));
  rc = 0;
out:
  pthread_mutex_unlock(&reg_lock);
  free(mi);
  return rc;
}

void __gostack_register_module(const void *maps_begin, const void *maps_end,
                               const void *fninfo_begin, const void *fninfo_end) {
  char err[SM_PATH_MAX + 2 * SM_REASON_MAX];
  if (gostack_register_module_checked(maps_begin, maps_end, fninfo_begin, fninfo_end, err,
                                      sizeof err) != 0)
    gostack_fatalf(0, 0, "%s", err);
}

void __gostack_unregister_module(const void *key) {
  if (!key)
    return;
  pthread_mutex_lock(&reg_lock);
  sm_module **link = &modules;
  while (*link && (*link)->key != key)
    link = &(*link)->next;
  sm_module *m = *link;
  if (!m || m->is_main) {
    pthread_mutex_unlock(&reg_lock);
    return;
  }
  const sm_index *old = atomic_load_explicit(&current_index, memory_order_relaxed);
  sm_index *idx = index_remove(old, m);
  if (!idx) {
    // Out of memory: keep the entries. The module's code is going away, so nothing will look
    // its return addresses up; its records stay allocated.
    pthread_mutex_unlock(&reg_lock);
    return;
  }
  *link = m->next;
  free_index(publish(idx));
  free_module(m);
  pthread_mutex_unlock(&reg_lock);
}

// ---- Lookup -------------------------------------------------------------------------------------

const gostack_sm_callsite *gostack_stackmap_find(uintptr_t return_address) {
  sm_reader st = reader_enter();
  const sm_index *idx = atomic_load_explicit(&current_index, memory_order_seq_cst);
  const gostack_sm_callsite *found = NULL;
  size_t lo = 0, hi = idx->nsites;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uintptr_t ra = idx->ras[mid];
    if (ra == return_address) {
      found = idx->sites[mid];
      break;
    }
    if (ra < return_address)
      lo = mid + 1;
    else
      hi = mid;
  }
  reader_exit(st);
  return found;
}

void gostack_stackmap_walk_begin(gostack_sm_walk *w) {
  sm_reader st = reader_enter();
  const sm_index *idx = atomic_load_explicit(&current_index, memory_order_seq_cst);
  *w = (gostack_sm_walk){idx->table, idx->table_mask, (void *)st};
}

void gostack_stackmap_walk_end(gostack_sm_walk *w) {
  reader_exit((sm_reader)w->reader);
  w->table = empty_table; // a lookup after the end finds nothing instead of freed memory
  w->mask = sizeof empty_table[0];
}

int gostack_fninfo_find(uintptr_t pc, uint32_t *ptr_arg_regs, uint32_t *flags) {
  sm_reader st = reader_enter();
  const sm_index *idx = atomic_load_explicit(&current_index, memory_order_seq_cst);
  size_t lo = 0, hi = idx->nfns;
  while (lo < hi) { // first entry > pc
    size_t mid = lo + (hi - lo) / 2;
    if (idx->fn_addrs[mid] <= pc)
      lo = mid + 1;
    else
      hi = mid;
  }
  int found = 0;
  if (lo > 0) {
    const sm_fn *f = idx->fns[lo - 1];
    if (pc <= f->last && !(f->ptr_arg_regs & GOSTACK_FNINFO_UNCHECKED_ENTRY)) {
      found = 1;
      if (ptr_arg_regs)
        *ptr_arg_regs = f->ptr_arg_regs;
      if (flags)
        *flags = f->flags;
    }
  }
  reader_exit(st);
  return found;
}

int __gostack_is_instrumented(const void *fn) {
  // Runs on a task stack below the last check: everything inline, nothing but the search.
  sm_reader st = reader_enter();
  const sm_index *idx = atomic_load_explicit(&current_index, memory_order_seq_cst);
  uintptr_t a = (uintptr_t)fn;
  size_t lo = 0, hi = idx->nfns;
  while (lo < hi) { // first entry >= a
    size_t mid = lo + (hi - lo) / 2;
    if (idx->fn_addrs[mid] < a)
      lo = mid + 1;
    else
      hi = mid;
  }
  int found = lo < idx->nfns && idx->fn_addrs[lo] == a;
  reader_exit(st);
  return found;
}

size_t gostack_stackmap_count(void) {
  sm_reader st = reader_enter();
  size_t n = atomic_load_explicit(&current_index, memory_order_seq_cst)->nsites;
  reader_exit(st);
  return n;
}

size_t gostack_fninfo_count(void) {
  sm_reader st = reader_enter();
  size_t n = atomic_load_explicit(&current_index, memory_order_seq_cst)->nfns;
  reader_exit(st);
  return n;
}
