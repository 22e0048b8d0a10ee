package greencard

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/answer"
	"talentd/internal/auth"
)

type keysOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Keys []JWK `json:"keys"`
	}
}

type signingKeysOutput struct {
	Body struct {
		Items []SigningKey `json:"items"`
	}
}

func registerKeys(api huma.API, s *Service) {
	tags := []string{"Green cards"}
	huma.Register(api, auth.Public(huma.Operation{
		OperationID: "get-card-keys", Method: http.MethodGet, Path: "/v1/greencard/keys", Tags: tags,
		Summary: "Public signing keys (JWK set)", Description: "For offline window clients; retired keys still verify the cards they signed.",
	}), func(ctx context.Context, _ *struct{}) (*keysOutput, error) {
		keys, err := s.JWKS(ctx)
		if err != nil {
			return nil, err
		}
		out := &keysOutput{CacheControl: "public, max-age=300"}
		out.Body.Keys = keys
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-signing-keys", Method: http.MethodGet, Path: "/v1/greencard/signing-keys", Tags: tags,
		Summary: "List card signing keys",
	}, auth.RoleAdmin), func(ctx context.Context, _ *struct{}) (*signingKeysOutput, error) {
		keys, err := s.Keys(ctx)
		if err != nil {
			return nil, err
		}
		out := &signingKeysOutput{}
		out.Body.Items = keys
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "rotate-signing-key", Method: http.MethodPost, Path: "/v1/greencard/signing-keys/rotate", Tags: tags,
		Summary: "Rotate the card signing key", Description: "New cards are signed with a new key; the old one keeps verifying its cards.",
		DefaultStatus: http.StatusCreated,
	}, auth.RoleAdmin), func(ctx context.Context, _ *struct{}) (*answer.Body[SigningKey], error) {
		return answer.Of(s.RotateKey(ctx))
	})
}
