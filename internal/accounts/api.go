package accounts

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"talentd/internal/auth"
	"talentd/internal/etag"
	"talentd/internal/page"
	"talentd/internal/reqctx"
)

// AccountView is an account as the API shows it.
type AccountView struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	DisplayName  string    `json:"display_name"`
	Role         auth.Role `json:"role"`
	EnterpriseID *int64    `json:"enterprise_id,omitempty"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func viewOf(a auth.Account) AccountView {
	return AccountView{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, Role: a.Role,
		EnterpriseID: a.EnterpriseID, Active: a.Active, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type loginInput struct {
	Body struct {
		Username string `json:"username" minLength:"1" maxLength:"64" example:"admin"`
		Password string `json:"password" minLength:"1" maxLength:"128"`
	}
}

type loginOutput struct {
	Body struct {
		Token     string    `json:"token" doc:"Send as Authorization: Bearer <token>"`
		ExpiresAt time.Time `json:"expires_at"`
	}
}

type meOutput struct {
	Body AccountView
}

type accountInput struct {
	Body struct {
		Username     string    `json:"username" minLength:"3" maxLength:"64" pattern:"^[a-z0-9][a-z0-9._-]{2,63}$" example:"hr-zhang"`
		DisplayName  string    `json:"display_name" minLength:"1" maxLength:"100" example:"张敏"`
		Password     string    `json:"password" minLength:"10" maxLength:"128"`
		Role         auth.Role `json:"role"`
		EnterpriseID *int64    `json:"enterprise_id,omitempty" minimum:"1" doc:"Required for enterprise_hr, not allowed otherwise"`
	}
}

type accountOutput struct {
	ETag string `header:"ETag"`
	Body AccountView
}

type accountIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type updateAccountInput struct {
	ID      int64  `path:"id" minimum:"1"`
	IfMatch string `header:"If-Match" maxLength:"32" doc:"The ETag from a previous read; the update is refused with 412 if the account changed since"`
	Body    struct {
		DisplayName  string    `json:"display_name" minLength:"1" maxLength:"100"`
		Role         auth.Role `json:"role"`
		EnterpriseID *int64    `json:"enterprise_id,omitempty" minimum:"1"`
		Active       bool      `json:"active" doc:"false disables the account and revokes its sessions and API keys"`
	}
}

type listAccountsInput struct {
	Role         auth.Role `query:"role"`
	EnterpriseID int64     `query:"enterprise_id" minimum:"0"`
	Active       string    `query:"active" enum:"true,false"`
	page.Query
}

type listAccountsOutput struct {
	Body page.Of[AccountView]
}

type setPasswordInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Password string `json:"password" minLength:"10" maxLength:"128"`
	}
}

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" minLength:"1" maxLength:"128"`
		NewPassword     string `json:"new_password" minLength:"10" maxLength:"128"`
	}
}

type createAPIKeyInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Name      string     `json:"name" minLength:"1" maxLength:"100" example:"window-terminal-3"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"Omit for a key that lasts until revoked"`
	}
}

type apiKeyCreatedOutput struct {
	Body struct {
		auth.APIKey
		Token string `json:"token" doc:"The key itself; shown only in this response"`
	}
}

type listAPIKeysOutput struct {
	Body struct {
		Items []auth.APIKey `json:"items"`
	}
}

type apiKeyIDInput struct {
	ID    int64 `path:"id" minimum:"1"`
	KeyID int64 `path:"key_id" minimum:"1"`
}

// Register adds the authentication and account operations to api.
func Register(api huma.API, s *Service) {
	tags := []string{"Accounts"}
	huma.Register(api, auth.Public(huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/v1/auth/login", Tags: tags,
		Summary: "Sign in",
		Description: "Exchanges a username and password for a bearer token. After five failures for one username from one address, " +
			"further attempts from there wait a minute, doubling with each further failure up to an hour (429 with Retry-After); " +
			"many failures from one address across usernames, or for one username from many addresses, slow down the addresses " +
			"that have not signed in to that account before. A success clears the count; an admin can clear a lock " +
			"(`POST /v1/accounts/{id}/unlock`). When the server is too busy checking passwords the answer is 503 with Retry-After.",
		Errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}), func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		sess, err := s.Login(ctx, in.Body.Username, in.Body.Password, reqctx.ClientAddr(ctx))
		if err != nil {
			return nil, err
		}
		out := &loginOutput{}
		out.Body.Token, out.Body.ExpiresAt = sess.Token, sess.ExpiresAt
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/v1/auth/logout", Tags: tags,
		Summary: "Sign out", Description: "Revokes the token this request carries.", DefaultStatus: http.StatusNoContent,
	}, auth.AllRoles...), func(ctx context.Context, _ *struct{}) (*struct{}, error) {
		return nil, s.Logout(ctx)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/v1/auth/me", Tags: tags,
		Summary: "Who am I", Description: "The account this request acts as.",
	}, auth.AllRoles...), func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		p, err := auth.MustPrincipal(ctx)
		if err != nil {
			return nil, err
		}
		a, err := s.GetAccount(ctx, p.AccountID)
		if err != nil {
			return nil, err
		}
		return &meOutput{Body: viewOf(a)}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "change-my-password", Method: http.MethodPost, Path: "/v1/auth/password", Tags: tags,
		Summary: "Change my password",
		Description: "Ends every other session of the account. Wrong current passwords are throttled like failed logins (429). " +
			"The new password must not be a common one, a sequence, a keyboard run, a repetition or contain the username (422 says which).",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}, auth.AllRoles...), func(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
		return nil, s.ChangeOwnPassword(ctx, in.Body.CurrentPassword, in.Body.NewPassword)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-account", Method: http.MethodPost, Path: "/v1/accounts", Tags: tags,
		Summary: "Create an account", DefaultStatus: http.StatusCreated,
		Description: "The password must not be a common one, a sequence, a keyboard run, a repetition or contain the username (422 says which).",
		Errors:      []int{http.StatusConflict, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
	}, auth.RoleAdmin), func(ctx context.Context, in *accountInput) (*accountOutput, error) {
		a, err := s.CreateAccount(ctx, NewAccount{Username: in.Body.Username, DisplayName: in.Body.DisplayName,
			Password: in.Body.Password, Role: in.Body.Role, EnterpriseID: in.Body.EnterpriseID})
		if err != nil {
			return nil, err
		}
		return &accountOutput{ETag: etag.Of(a.Version), Body: viewOf(a)}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-accounts", Method: http.MethodGet, Path: "/v1/accounts", Tags: tags,
		Summary: "List accounts",
	}, auth.RoleAdmin), func(ctx context.Context, in *listAccountsInput) (*listAccountsOutput, error) {
		f := Filter{Role: in.Role, EnterpriseID: in.EnterpriseID}
		if in.Active != "" {
			active := in.Active == "true"
			f.Active = &active
		}
		res, err := s.ListAccounts(ctx, f, in.Query)
		if err != nil {
			return nil, err
		}
		out := &listAccountsOutput{Body: page.Of[AccountView]{Items: make([]AccountView, 0, len(res.Items)), NextCursor: res.NextCursor}}
		for _, a := range res.Items {
			out.Body.Items = append(out.Body.Items, viewOf(a))
		}
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "get-account", Method: http.MethodGet, Path: "/v1/accounts/{id}", Tags: tags,
		Summary: "Get an account", Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin), func(ctx context.Context, in *accountIDInput) (*accountOutput, error) {
		a, err := s.GetAccount(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &accountOutput{ETag: etag.Of(a.Version), Body: viewOf(a)}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "update-account", Method: http.MethodPut, Path: "/v1/accounts/{id}", Tags: tags,
		Summary:     "Update an account",
		Description: "Replaces display name, role, enterprise and active flag. Disabling the account, or changing its role or enterprise, revokes its sessions and API keys.",
		Errors:      []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}, auth.RoleAdmin), func(ctx context.Context, in *updateAccountInput) (*accountOutput, error) {
		version, err := etag.Version(in.IfMatch)
		if err != nil {
			return nil, err
		}
		a, err := s.UpdateAccount(ctx, in.ID, version, AccountUpdate{DisplayName: in.Body.DisplayName,
			Role: in.Body.Role, EnterpriseID: in.Body.EnterpriseID, Active: in.Body.Active})
		if err != nil {
			return nil, err
		}
		return &accountOutput{ETag: etag.Of(a.Version), Body: viewOf(a)}, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "set-account-password", Method: http.MethodPost, Path: "/v1/accounts/{id}/password", Tags: tags,
		Summary: "Reset an account's password", Description: "Ends the account's login sessions (API keys stay valid) and clears its login lock.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable},
	}, auth.RoleAdmin), func(ctx context.Context, in *setPasswordInput) (*struct{}, error) {
		return nil, s.SetPassword(ctx, in.ID, in.Body.Password)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "unlock-account", Method: http.MethodPost, Path: "/v1/accounts/{id}/unlock", Tags: tags,
		Summary: "Clear an account's login lock",
		Description: "Forgets the failed sign-ins counted against the account from every address, so its owner can sign in " +
			"again at once. Failures counted against an address across all usernames stay.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin), func(ctx context.Context, in *accountIDInput) (*struct{}, error) {
		return nil, s.UnlockAccount(ctx, in.ID)
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: "/v1/accounts/{id}/api-keys", Tags: tags,
		Summary: "Issue an API key", Description: "For machine clients. The key is shown once, in this response.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
	}, auth.RoleAdmin), func(ctx context.Context, in *createAPIKeyInput) (*apiKeyCreatedOutput, error) {
		key, token, err := s.CreateAPIKey(ctx, in.ID, in.Body.Name, in.Body.ExpiresAt)
		if err != nil {
			return nil, err
		}
		out := &apiKeyCreatedOutput{}
		out.Body.APIKey, out.Body.Token = key, token
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: "/v1/accounts/{id}/api-keys", Tags: tags,
		Summary: "List an account's API keys", Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin), func(ctx context.Context, in *accountIDInput) (*listAPIKeysOutput, error) {
		keys, err := s.ListAPIKeys(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		out := &listAPIKeysOutput{}
		out.Body.Items = keys
		return out, nil
	})

	huma.Register(api, auth.Allow(huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/v1/accounts/{id}/api-keys/{key_id}", Tags: tags,
		Summary: "Revoke an API key", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, auth.RoleAdmin), func(ctx context.Context, in *apiKeyIDInput) (*struct{}, error) {
		return nil, s.RevokeAPIKey(ctx, in.ID, in.KeyID)
	})
}
