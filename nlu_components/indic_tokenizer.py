"""WhitespaceTokenizer that keeps the text and offsets as written and puts the script-neutral key in the lemma.

Featurizers with `use_lemma: true` then see कचरा, kachra and kachara as one word, while entity spans
and `char_wb` features on the surface text stay exactly what the citizen wrote.
"""
from __future__ import annotations

import unicodedata
from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu_components.indic_text import loose_key


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class IndicNormalizingTokenizer(WhitespaceTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        if isinstance(text, str) and not unicodedata.is_normalized("NFC", text):
            # NFC keeps the length of almost all Indic text; offsets are computed on the normalised text.
            message.set(attribute, unicodedata.normalize("NFC", text))
        tokens: List[Token] = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = loose_key(token.text)
        return tokens
