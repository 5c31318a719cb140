package github

import (
	"context"
	"errors"
	"net/http"
	"os"
)

// Client calls the GitHub API with the token of the environment: GITHUB_TOKEN in
// Actions, GH_TOKEN for local runs (`gh auth token`).
type Client struct {
	http  *http.Client
	token string
}

func New() (*Client, error) {
	token := os.Getenv("GITHUB_TOKEN")
	if token == "" {
		token = os.Getenv("GH_TOKEN")
	}
	if token == "" {
		return nil, errors.New("set GITHUB_TOKEN or GH_TOKEN")
	}
	return &Client{http: http.DefaultClient, token: token}, nil
}

func (c *Client) do(ctx context.Context, req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.token)
	return c.http.Do(req.WithContext(ctx))
}
