// SPDX-License-Identifier: MIT
#pragma once

#include "HistoryOperation.h"

#include <QStringList>

namespace Optiverse::Collab {

class ItemNamer;

/**
 * What differs between a version of the scene and now, item by item, in
 * words for the History panel: "Lens 3 added since", "Mirror 1 removed
 * since", "Lens 2: focal length 100 mm → 75 mm" (the version's value first).
 */
class SceneDifference
{
public:
    SceneDifference(const HistoryScene &then, const HistoryScene &now);

    QStringList added;   ///< ids in now only
    QStringList removed; ///< ids in then only
    QStringList changed; ///< ids in both, with other type or data

    bool isEmpty() const { return added.isEmpty() && removed.isEmpty() && changed.isEmpty(); }
    /// One line per item (removed, changed, added), at most @p maxLines
    /// (then "…and N more"), named by @p names.
    QStringList describe(const ItemNamer &names, int maxLines = 20) const;

private:
    HistoryScene m_then;
    HistoryScene m_now;
};

} // namespace Optiverse::Collab
