using Switchyard.Pricing;
using Xunit;
using static Switchyard.Tests.Configuration.ConfigTestSupport;

namespace Switchyard.Tests.Pricing;

public sealed class PricingConfigTests
{
    [Fact]
    public void Native_price_and_litellm_per_token_costs_give_the_same_price()
    {
        var native = LoadValid("""
            models:
              - name: tuned
                provider: openai
                model: ft:my-tuned-model
                api_key: sk-x
                price:
                  input_per_mtok: 1.5
                  output_per_mtok: 2
                  cache_read_per_mtok: 0.75
                  cache_write_per_mtok: 1.875
            """).Models[0].Price;
        var liteLlm = LoadValid("""
            model_list:
              - model_name: tuned
                litellm_params:
                  model: openai/ft:my-tuned-model
                  api_key: sk-x
                model_info:
                  input_cost_per_token: 0.0000015
                  output_cost_per_token: 2e-6
                  cache_read_input_token_cost: 0.00000075
                  cache_creation_input_token_cost: 0.000001875
            """).Models[0].Price;

        var expected = new ModelPrice { InputPerMTok = 1.5m, OutputPerMTok = 2m, CacheReadPerMTok = 0.75m, CacheWritePerMTok = 1.875m };
        Assert.Equal(expected, native);
        Assert.Equal(expected, liteLlm);
    }

    [Fact]
    public void Litellm_params_costs_count_too_and_stay_in_settings()
    {
        var options = LoadValid("""
            model_list:
              - model_name: tuned
                litellm_params:
                  model: openai/ft:my-tuned-model
                  api_key: sk-x
                  input_cost_per_token: 0.000001
                  output_cost_per_token: 0.000004
            """).Models[0];

        Assert.Equal(new ModelPrice { InputPerMTok = 1, OutputPerMTok = 4 }, options.Price);
        Assert.Equal("0.000001", options.Settings["input_cost_per_token"]);
    }

    [Fact]
    public void A_partial_override_keeps_the_catalog_limits_and_cache_rates()
    {
        var price = LoadValid("""
            models:
              - name: discounted
                provider: openai
                model: gpt-4o-2024-08-06
                api_key: sk-x
                price: { input_per_mtok: 2, output_per_mtok: 8 }
            """).Models[0].Price!;

        Assert.Equal(2m, price.InputPerMTok);
        Assert.Equal(8m, price.OutputPerMTok);
        Assert.Equal(1.25m, price.CacheReadPerMTok);
        Assert.Equal(128_000, price.ContextWindow);
        Assert.Equal(16_384, price.MaxOutputTokens);
    }

    [Fact]
    public void Litellm_limits_and_base_model_shape_the_catalog_price()
    {
        var options = LoadValid("""
            model_list:
              - model_name: gpt
                litellm_params:
                  model: azure/my-deployment
                  api_base: https://example.openai.azure.com/
                  api_key: azure-key
                  api_version: "2024-06-01"
                model_info:
                  base_model: azure/gpt-4o
                  max_input_tokens: 64000
                  max_tokens: 4096
            """).Models[0];

        Assert.Equal(2.5m, options.Price!.InputPerMTok);
        Assert.Equal(64_000, options.Price.ContextWindow);
        Assert.Equal(4_096, options.Price.MaxOutputTokens);
    }

    [Fact]
    public void An_entry_that_says_nothing_about_price_leaves_it_to_the_catalog()
    {
        Assert.Null(LoadValid("models:\n  - name: a\n    provider: openai\n    model: gpt-4o\n    api_key: sk-x\n").Models[0].Price);
    }

    [Fact]
    public void Bad_prices_are_reported_at_once_with_their_key_paths()
    {
        var result = Load("""
            models:
              - name: a
                provider: openai
                model: gpt-4o
                api_key: sk-x
                price: { input_per_mtok: -1, output_per_mtok: cheap }
              - name: b
                provider: openai
                model: my-own-model
                api_key: sk-x
                price: { input_per_mtok: 1 }
                weight: 0
            """);

        Assert.Null(result.Options);
        string[] expected = ["models[0].price.input_per_mtok", "models[0].price.output_per_mtok", "models[1].price.output_per_mtok", "models[1].weight"];
        Assert.Equal(expected.Order(), result.Errors.Select(e => e.Path).Order());
        Assert.Contains("cannot be negative", result.Errors.Single(e => e.Path == "models[0].price.input_per_mtok").Message);
        Assert.Contains("'cheap'", result.Errors.Single(e => e.Path == "models[0].price.output_per_mtok").Message);
        Assert.Contains("no 'my-own-model'", result.Errors.Single(e => e.Path == "models[1].price.output_per_mtok").Message);
    }

    [Fact]
    public void Bad_litellm_costs_name_their_section()
    {
        var result = Load("""
            model_list:
              - model_name: a
                litellm_params:
                  model: openai/gpt-4o
                  api_key: sk-x
                  output_cost_per_token: -0.1
                model_info:
                  input_cost_per_token: abc
            """);

        string[] expected = ["model_list[0].litellm_params.output_cost_per_token", "model_list[0].model_info.input_cost_per_token"];
        Assert.Equal(expected.Order(), result.Errors.Select(e => e.Path).Order());
    }
}
