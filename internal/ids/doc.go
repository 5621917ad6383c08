// Package ids makes the identifiers that every Gatehouse package hands
// out: a short type prefix, an underscore, and 26 characters of Crockford
// base32 that encode a 48-bit millisecond timestamp followed by 80 random
// bits (the ULID layout). IDs made later sort after IDs made earlier, in
// text order, to the millisecond; within one millisecond their order is
// random.
package ids
