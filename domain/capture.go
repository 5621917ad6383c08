package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// typicalCandidates is how many names a capture lookup usually tries (the
// name and its parents); deeper names work too, with one more allocation.
const typicalCandidates = 8

// Capture returns the verified domain that captures an email address (or
// a bare domain name): the domain itself when an organization holds it
// verified, or else the nearest parent domain that is verified with
// IncludeSubdomains. The most specific match wins. Pending, lapsed and
// removed domains never match. It returns [ErrNotFound] when no
// organization captures the address, and an error wrapping
// [ErrInvalidAddress] or [ErrInvalidName] for malformed input.
func (s *Service) Capture(ctx context.Context, address string) (Domain, error) {
	name, err := captureName(address)
	if err != nil {
		return Domain{}, err
	}
	var buf [typicalCandidates]string
	cands := candidates(buf[:0], name)
	found, err := s.store.FindVerified(ctx, cands)
	if err != nil {
		return Domain{}, fmt.Errorf("domain: looking up %s: %w", name, err)
	}
	for i, c := range cands {
		for _, d := range found {
			if d.Name == c && (i == 0 || d.IncludeSubdomains) {
				return d, nil
			}
		}
	}
	return Domain{}, ErrNotFound
}

// OrganizationForEmail returns the ID of the organization that captures
// the email address, or "" and a nil error when none does. It fits the
// DomainResolver interface of package sso.
func (s *Service) OrganizationForEmail(ctx context.Context, email string) (string, error) {
	d, err := s.Capture(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return d.OrganizationID, nil
}

// captureName returns the normalized domain of an email address, or of a
// bare domain name.
func captureName(address string) (string, error) {
	if strings.Contains(address, "@") {
		_, name, err := NormalizeEmail(address)
		return name, err
	}
	return Normalize(address)
}

// candidates appends name and its parents with at least two labels, most
// specific first. Public suffixes among them are harmless: they can never
// be verified. A normalized name has at most 127 labels.
func candidates(dst []string, name string) []string {
	for {
		dst = append(dst, name)
		_, parent, ok := strings.Cut(name, ".")
		if !ok || !strings.Contains(parent, ".") {
			break
		}
		name = parent
	}
	return dst
}
