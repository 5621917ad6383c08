package scim

import (
	"errors"
	"fmt"
	"net/http"
)

// The scimType values of RFC 7644 section 3.12.
const (
	// ScimTypeInvalidFilter means the filter is malformed or names an unknown attribute.
	ScimTypeInvalidFilter = "invalidFilter"
	// ScimTypeTooMany means the request would return or touch more resources than allowed.
	ScimTypeTooMany = "tooMany"
	// ScimTypeUniqueness means a value that must be unique, such as userName, is taken.
	ScimTypeUniqueness = "uniqueness"
	// ScimTypeMutability means the request changes an attribute that may not change.
	ScimTypeMutability = "mutability"
	// ScimTypeInvalidSyntax means the body is not valid SCIM JSON.
	ScimTypeInvalidSyntax = "invalidSyntax"
	// ScimTypeInvalidPath means a PATCH path is malformed or names nothing.
	ScimTypeInvalidPath = "invalidPath"
	// ScimTypeNoTarget means a PATCH path with a value filter matched nothing.
	ScimTypeNoTarget = "noTarget"
	// ScimTypeInvalidValue means a value has the wrong type or is missing.
	ScimTypeInvalidValue = "invalidValue"
	// ScimTypeInvalidVers means the SCIM protocol version is not supported.
	ScimTypeInvalidVers = "invalidVers"
	// ScimTypeSensitive means the request put sensitive data in the URL.
	ScimTypeSensitive = "sensitive"
)

// Error is a SCIM protocol error: an HTTP status, an optional scimType and
// a detail for people. The handler answers it in the error schema of RFC
// 7644 section 3.12.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

// Error returns the detail, prefixed with the package name.
func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim: %s: %s", e.ScimType, e.Detail)
	}
	return "scim: " + e.Detail
}

func errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// asError maps an error to what the client is told. Errors that are not
// protocol errors become a 500 without details.
func asError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, ErrNotFound):
		return errorf(http.StatusNotFound, "", "resource not found")
	case errors.Is(err, ErrUniqueness):
		return errorf(http.StatusConflict, ScimTypeUniqueness,
			"a user with this userName already exists")
	case errors.Is(err, ErrConflict):
		return errorf(http.StatusPreconditionFailed, "",
			"the resource changed while the request was handled; retry")
	}
	return errorf(http.StatusInternalServerError, "", "internal error")
}

// errorBody is the JSON form of an Error.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
	Status   string   `json:"status"`
}

func (e *Error) body() errorBody {
	return errorBody{Schemas: []string{schemaError}, ScimType: e.ScimType,
		Detail: e.Detail, Status: fmt.Sprint(e.Status)}
}
