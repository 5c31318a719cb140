package auth

import "testing"

func TestRefresh(t *testing.T) {
	// captured from the staging app on 2024-10-14, still valid for 6 months
	tok, err := Refresh("Iv23li74PrsTYWZGEpcT", "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")
	if err != nil {
		t.Fatal(err)
	}
	if tok.ExpiresIn == 0 {
		t.Errorf("no expiry in %+v", tok)
	}
}
