// Package config loads, defaults and validates the connector configuration.
//
// The configuration is a JSON document described by spec/config.schema.json,
// which is also the connectionSpecification the Airbyte spec command prints.
// Load (a file), Parse (bytes) and FromMap (a decoded map) all:
//
//  1. decode the JSON strictly (syntax errors carry line and column);
//  2. fill account_id, client_id and client_secret from ZOOM_ACCOUNT_ID,
//     ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET when the document leaves them out;
//  3. validate the document against the embedded schema (draft-07, with
//     Airbyte's airbyte_secret keyword ignored as an annotation);
//  4. build the typed Config, apply SetDefaults and run Validate;
//
// and return every problem at once in a *ValidationError whose lines look
// like "/page_size: must be <= 300 but found 500".
//
// Secrets (client_secret, webhook_secret_token) are of type Secret, which
// prints, marshals and logs as "[redacted]"; Reveal gives the value. Error
// messages never contain a secret's value: schema messages about secret
// settings are rewritten, and any secret value is scrubbed from the rest.
package config
