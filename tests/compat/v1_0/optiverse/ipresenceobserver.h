// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QPointF>
#include <QUuid>

namespace Optiverse {

/**
 * Receives what the local user points at and selects (IPresenceHost 1.0).
 *
 * Hooks are called on the GUI thread, possibly at the mouse's full rate: keep
 * them cheap and throttle on the plugin side. Default bodies do nothing.
 *
 * Ownership: owned by whoever registers it; unregister before destroying it.
 *
 * @since IPresenceHost 1.0
 */
class IPresenceObserver
{
public:
    virtual ~IPresenceObserver() = default;

    /// The local pointer moved over the canvas, in scene millimetres.
    virtual void localPointerMoved(const QPointF &posMm) { Q_UNUSED(posMm) }

    /// The local pointer left the canvas.
    virtual void localPointerLeft() {}

    /// The local selection is now exactly @p uuids.
    virtual void localSelectionChanged(const QList<QUuid> &uuids) { Q_UNUSED(uuids) }
};

} // namespace Optiverse
