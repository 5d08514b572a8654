// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Optiverse::Collab {

/// The palette slot a user's colour comes from, shared by the server (which
/// hands slots out) and clients (which guess the slot of a user the server
/// never told them of, e.g. one who left before they joined).
class ColorSlot
{
public:
    /// Slots 0..PaletteSize-1 are the clearly different hues; past them the
    /// hues repeat, darker.
    static constexpr int PaletteSize = 12;

    /// The slot @p userId gets unless someone present holds it: derived from
    /// the id alone (a stable hash, not the per-process seeded qHash), so it
    /// is the same after a server restart and in any join order.
    static int preferred(const QString &userId);
};

} // namespace Optiverse::Collab
