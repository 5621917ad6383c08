// Package httpjson holds what the Gatehouse admin JSON APIs share: the
// error envelope {"error": {"code": "...", "message": "..."}}, bounded
// request decoding, and opaque page cursors.
package httpjson
