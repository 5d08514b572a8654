// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"

#include <optional>
#include <vector>

namespace Optiverse::Collab {

/**
 * Rebuilds an item whose stored data cannot be read, from the session's
 * stored history: the item's last whole-item change (its add, or a re-add),
 * then every later change to it, all within the run of operations that ends
 * at the session's head without a gap. Used when a session loads and by
 * --salvage; never guesses (nullopt when the history cannot tell).
 */
class ItemRecovery
{
public:
    /// @p operations in seq order; @p headSeq the session's stored seq.
    static std::optional<StateItem> fromHistory(const QString &itemId, const std::vector<HistoryOperation> &operations,
                                                qint64 headSeq);
};

} // namespace Optiverse::Collab
