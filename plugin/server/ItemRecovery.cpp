// SPDX-License-Identifier: MIT
#include "ItemRecovery.h"

namespace Optiverse::Collab {

std::optional<StateItem> ItemRecovery::fromHistory(const QString &itemId,
                                                   const std::vector<HistoryOperation> &operations, qint64 headSeq)
{
    if (operations.empty() || operations.back().seq != headSeq)
        return std::nullopt; // the change that wrote the stored item is not there
    size_t first = operations.size() - 1;
    while (first > 0 && operations[first - 1].seq == operations[first].seq - 1)
        --first;
    // The newest whole-item change that leaves the item in place.
    size_t from = operations.size();
    for (size_t i = operations.size(); i-- > first && from == operations.size();) {
        for (const HistoryOperation::ItemChange &c : operations[i].changes) {
            if (c.itemId == itemId && c.isWholeItem() && c.existsAfter) {
                from = i;
                break;
            }
        }
    }
    if (from == operations.size())
        return std::nullopt;
    HistoryScene scene;
    for (size_t i = from; i < operations.size(); ++i) {
        for (const HistoryOperation::ItemChange &c : operations[i].changes) {
            if (c.itemId == itemId)
                HistoryOperation::applyChange(c, &scene, true);
        }
    }
    const auto it = scene.constFind(itemId);
    if (it == scene.cend())
        return std::nullopt;
    return *it;
}

} // namespace Optiverse::Collab
