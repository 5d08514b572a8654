// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QUuid>

/// Separately versioned optional interface, obtained with
/// Optiverse::queryInterface<Optiverse::IPresenceHost>(host).
#define OPTIVERSE_IPRESENCEHOST_IID "org.optiverse.IPresenceHost/1.0"

namespace Optiverse {

class IPresenceObserver;

/**
 * Optional: lets a plugin show where other people are and what they hold.
 *
 * A host that implements it draws, over its canvas, remote pointers (a marker
 * and a name in the user's colour) and remote selections (an outline in the
 * user's colour around each item). Plugins must work without it: a host that
 * lacks it returns nullptr from IHost::queryInterface().
 *
 * Keys (@p userKey) are opaque strings chosen by the plugin. Overlays are
 * purely visual: they are never part of the scene, never undoable, and a host
 * removes all of them when the plugin calls clearAll() or unloads.
 *
 * Threading: GUI thread only. Owned by the host.
 *
 * @since IPresenceHost 1.0
 */
class IPresenceHost
{
public:
    static constexpr const char *IID = OPTIVERSE_IPRESENCEHOST_IID;

    virtual ~IPresenceHost() = default;

    /// Shows or moves @p userKey's pointer at @p posMm (scene millimetres).
    virtual void setRemotePointer(const QString &userKey, const QString &displayName,
                                  const QColor &color, const QPointF &posMm) = 0;

    /// Hides @p userKey's pointer. Unknown keys are ignored.
    virtual void removeRemotePointer(const QString &userKey) = 0;

    /// Outlines exactly @p uuids in @p color for @p userKey (empty list: none).
    /// Items that do not exist are ignored, and outlines follow their items.
    virtual void setRemoteSelection(const QString &userKey, const QColor &color,
                                    const QList<QUuid> &uuids) = 0;

    /// Removes every pointer and outline of every user.
    virtual void clearAll() = 0;

    /// Registers @p observer (not owned) for local pointer and selection changes.
    virtual void addPresenceObserver(IPresenceObserver *observer) = 0;

    /// Unregisters @p observer.
    virtual void removePresenceObserver(IPresenceObserver *observer) = 0;
};

} // namespace Optiverse
