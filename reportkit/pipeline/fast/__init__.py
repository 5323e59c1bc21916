"""The pipeline's fast paths, used by ``build_pipeline()`` and left out by ``build_pipeline(plain=True)``.

Each gives exactly what the plain code it replaces gives (``tests/test_fast_vs_plain.py`` compares whole
results on generated text, the dev set and the corpus):

- :mod:`.tokenizer`: spaCy's tokenizer keeping the text it was given and its chunk cache warm;
- :mod:`.sentences`: spaCy's rule sentencizer on token arrays (the sectionizer);
- :mod:`.line_alternatives`: the citation-line regex's alternatives, a cheap first test (``reportkit_gates``);
- :mod:`.token_prefilter`: spaCy's Matcher run only with the patterns a document can match (concept terms,
  ConText modifiers, cues), and the text triggers the typo patterns run around (``reportkit_gates``);
- :mod:`.medspacy_components`: medspaCy's TargetMatcher and ConText with the token prefilter, ConText sentence
  by sentence; the only module that reaches medspaCy's private attributes;
- the keyed search :class:`reportkit.text.KeyScan` (sectionizer, ``reportkit_gates``, audit pre-filter), keys
  from :mod:`reportkit.regex_syntax`, the only module that reads ``re``'s private parser.

Nothing here is imported at package import: the components import what they use.
"""
