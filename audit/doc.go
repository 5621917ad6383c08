// Package audit keeps a tamper-evident audit log for each organization:
// who did what, when, from where, and proof that the record was not
// changed afterwards.
//
// # Events
//
// An [Event] names an Action such as "user.signed_in", the [Actor] who
// did it, the [Target]s it was done to, the request [Context] (IP, user
// agent, request ID), free-form Metadata, and when it happened. IDs are
// time-sortable ("evt_01J..."). [RequestContext.FromRequest] fills the
// context from an *http.Request, reading X-Forwarded-For only behind the
// proxies the host trusts. An event recorded without an actor takes the
// one in the request context: put there with [WithActor] by the host's
// authentication middleware, or found by [Config.Actor] wherever that
// middleware keeps it.
//
// Every event must pass the envelope checks (non-empty organization,
// action, actor type and ID; size limits such as [MaxStringLen] and
// [MaxEncodedSize]; metadata of JSON types only). A host may register a
// [Schema] per action in [Config.Schemas]: allowed actor and target
// types, allowed metadata keys and their [Kind]s, required keys. A refused
// event yields a [*FieldError] that names the field, such as
// "metadata.plan", and nothing is written. Events of unregistered actions
// are accepted unless [Config.RefuseUnregistered] is set.
//
// # Recording
//
// [Service.Record] returns once the [Store] has committed the event:
// with the SQL store, once the transaction is durable. [Service.RecordBatch]
// writes many events in one transaction per organization, all or none.
// Event IDs are idempotency keys: an ID already in the organization's log
// is skipped, so retries and redeliveries record an event once; give
// bridged events IDs from [EventID].
// Other Gatehouse packages report their own typed events; a host bridges
// them into the audit log with a few lines that build an Event and call
// Record:
//
//	for _, ev := range scimEvents {
//		err := rec.Record(ctx, audit.Event{
//			ID:             audit.EventID(ev.Time, "scim/"+ev.Cursor),
//			OrganizationID: ev.OrganizationID, Action: ev.Type, Time: ev.Time,
//			Actor:   audit.Actor{Type: "directory", ID: ev.DirectoryID},
//			Targets: []audit.Target{{Type: "user", ID: ev.UserID}},
//		})
//		...
//	}
//
// A [Recorder] ([Service.NewRecorder]) batches for throughput: its Record
// still returns only once the event is durable, but shares a transaction
// with the events recorded at the same moment; its Enqueue returns once
// the event is in a bounded buffer. When the buffer is full, callers wait
// with their context (backpressure); dropping instead is possible only
// with [RecorderConfig.DropWhenFull], and every drop is counted
// ([Recorder.Dropped]) and logged. A failing Store is retried in order
// with exponential backoff.
//
// # Streams and sinks
//
// The Store is the system of record. A [Stream] copies every
// organization's log from it to a [Sink] and keeps its cursor in the
// Store after each delivered batch, so a destination that is down loses
// nothing: the Stream catches up, in order, when it returns. Sinks:
// [FileSink] (JSON Lines, rotation by size and age, fsync per batch),
// [SlogSink], and [HTTPSink] in three formats: JSON Lines signed with
// HMAC-SHA256 in the [SignatureHeader] ("t=<unix>,v1=<hex HMAC of
// "<t>." and the body>", checked by [VerifySignature]), Splunk's HTTP
// Event Collector, and Datadog's log intake. Requests that fail with a
// network error, 408, 429 or 5xx are retried with exponential backoff and
// jitter, honouring Retry-After.
//
// # Retention
//
// [Service.Prune] and [Service.ApplyRetention] remove the events at the
// start of a log older than a cutoff. The tree's hashes stay: proofs and
// exports of the remaining events still verify, against checkpoints
// signed before and after.
//
// # Canonical encoding
//
// The Merkle tree commits to the canonical encoding of each event, which
// [MarshalCanonical] produces and the SQL store keeps byte for byte. It is
// UTF-8 JSON without insignificant white space, an object with exactly
// these members in this order:
//
//	v         the schema version, 1
//	id        the event ID
//	org       the organization ID
//	action    the action
//	time      UTC, "2006-01-02T15:04:05.000000Z" (always six fraction digits)
//	actor     {"type","id"[,"name"][,"metadata"]}
//	targets   an array (possibly empty) of {"type","id"[,"name"][,"metadata"]}
//	context   {["ip"][,"user_agent"][,"request_id"]}
//	metadata  an object, possibly empty
//
// Members in brackets are omitted when empty. The members of metadata
// objects are sorted by the bytes of their keys. Strings escape '"', '\\',
// control characters (as \b, \f, \n, \r, \t, or else \u00XX) and U+2028 and
// U+2029, and nothing else. Integers are written in decimal; other numbers
// in the shortest form that reads back as the same float64, in exponent
// form only outside [1e-6, 1e21); numbers that [UnmarshalCanonical]
// decoded (as json.Number) are written back as they were read. A verifier
// never needs to re-encode: it hashes the bytes it is given.
//
// # Tamper evidence
//
// Each organization's log is an append-only Merkle tree as in RFC 6962,
// with SHA-256: the leaf hash of an event is SHA-256(0x00 || encoding),
// an interior node is SHA-256(0x01 || left || right). The Store keeps, or
// can recompute from the events, the hash of every complete subtree, so [Service.InclusionProof] and
// [Service.ConsistencyProof] can prove that an event is in the log and
// that a later tree extends an earlier one, and retention can remove old
// events while what remains stays provable.
//
// [Service.Checkpoint] signs the tree's size and root with the host's
// key, in the signed-note format of golang.org/x/mod/sumdb/note: a text
// of four lines,
//
//	<origin>            "<Config.LogName>/<organization ID>"
//	<size>              decimal number of events
//	<root>              base64 (standard, padded) of the root hash
//	<time>              RFC 3339 in UTC
//
// a blank line, and a signature line "— <key name> <base64 of 4-byte key
// hash and Ed25519 signature>". [Service.VerifierKey] gives the public key
// in the note form "name+hash+base64key"; any note library checks it. A
// customer who keeps a checkpoint can later prove that the log was not
// rewritten or truncated behind it.
//
// # Export
//
// [Service.Export] writes an organization's log as JSON Lines, streamed
// in pages so that memory does not grow with the log. The first line is
// a header object: "format" ("gatehouse.audit.export/v1"),
// "organization", "checkpoint" (the signed note), "start" and "end" (the
// indexes of the first event exported and of the one after the last:
// the whole log still held, or a range chosen with [ExportOptions]),
// "left" and "right" (base64 hashes of the perfect subtrees covering the
// events before start and from end to the checkpoint's size, left to
// right) and, when asked for, "consistency" ({"size", "proof"}: a proof
// from an older tree size the customer kept). Every further line is
// {"index":N,"event":<canonical encoding>}, for the indexes from start up
// to end, except that after every 1024th event comes a hint line
// {"subtree":{"level":10,"index":K},"hash":...} with the hash the Store
// recorded for those 1024 events (see [HintLevel]): unsigned, it proves
// nothing, but when the root does not verify it tells which events
// changed. [Verify] (and the command auditverify in
// audit/cmd/auditverify) recomputes the root from the left hashes, the
// events and the right hashes, checks it against the signed checkpoint and against a
// checkpoint kept by the customer, and reports modified, deleted,
// inserted and reordered events and a truncated log. [Service.ExportCSV]
// writes the events a [Query] selects as CSV, for people; it carries no
// proof.
//
// # Admin API
//
// [Service.Handler] serves one organization's log as JSON: a filtered,
// cursor-paged list, both exports, the latest checkpoint with the
// verifier key, and proofs. [Config.Organization] decides, per request,
// whose log the caller may read.
//
// # Threat model
//
// The checks detect changes made after the fact to the database, to an
// export, or to both, by someone who does not hold the signing key. An
// attacker who holds the key can sign a rewritten log; a checkpoint the
// customer kept earlier still exposes any rewrite or truncation of the
// events it covers. The package does NOT prevent a compromised host from
// leaving events out when they happen, and does NOT vouch for what an
// event says: its time, actor and context are the host's statement, and
// the verifier checks that they were not changed, not that they are
// true. Checkpoint times come from the host's clock.
//
// # Writing a Store
//
// A [Store] appends entries under a per-organization lock that holds
// across processes, extends the tree with [Tree.Append] in the same
// transaction, and keeps the nodes it returns (or enough to recompute
// them, keeping the leaf hashes of pruned events). It also keeps signed
// checkpoints and the streams' cursors, and answers listings, which
// should be served by indexes. Run
// [github.com/gatehouse/gatehouse/audit/audittest.TestStore] against it.
package audit
