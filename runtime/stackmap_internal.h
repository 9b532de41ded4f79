// Private declarations shared by the stack map sources: stackmap_parse.c (the parsers) and
// stackmap.c (registration, the index, lookups). Nothing here is API; see stackmap.h.
#ifndef GOSTACK_RUNTIME_STACKMAP_INTERNAL_H
#define GOSTACK_RUNTIME_STACKMAP_INTERNAL_H

// Room for the reason a parser callback writes when it rejects a record.
#define SM_REASON_MAX 512

#endif // GOSTACK_RUNTIME_STACKMAP_INTERNAL_H
