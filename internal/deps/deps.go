package main

import (
	_ "github.com/spf13/pflag"
	_ "github.com/santhosh-tekuri/jsonschema/v5"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/oauth2/clientcredentials"
	_ "golang.org/x/time/rate"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/sync/singleflight"
	_ "github.com/parquet-go/parquet-go"
	_ "github.com/apache/arrow-go/v18/arrow/ipc"
	_ "gopkg.in/yaml.v3"
)
func main(){}
