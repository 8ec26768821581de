"""The notifier's pure domain: models, rules, policy, templates, replies."""
