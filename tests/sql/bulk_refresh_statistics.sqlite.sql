ANALYZE "cardsystems_card"
