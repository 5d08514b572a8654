// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QList>
#include <QString>
#include <QUuid>

/// Separately versioned optional interface, obtained with
/// Optiverse::queryInterface<Optiverse::IEditingHost>(host).
#define OPTIVERSE_IEDITINGHOST_IID "org.optiverse.IEditingHost/1.0"

namespace Optiverse {

class IEditingObserver;

/**
 * Optional: who is editing what, for hosts with a properties dialog.
 *
 * The host reports which items the local user has open in its properties
 * dialog (IEditingObserver). A plugin tells the host which items other users
 * are editing now (dragging, or open in their own properties dialog); the host
 * outlines each such item in the user's colour with a label such as
 * "alice is editing", and while its own properties dialog shows one of them it
 * says so in the dialog ("alice is editing this item too") without blocking
 * anything: it is information, never a lock.
 *
 * Keys (@p userKey) are opaque strings chosen by the plugin. Everything shown
 * is purely visual: never part of the scene, never undoable; a host removes it
 * all on clearRemoteEditing() and when the plugin unloads. Items that do not
 * exist are ignored; outlines follow their items. Plugins must work without
 * this interface (IHost::queryInterface() returns nullptr).
 *
 * Threading: GUI thread only. Owned by the host, valid from initialize()
 * until shutdown() returns.
 *
 * @since IEditingHost 1.0 (contract 1.3)
 */
class IEditingHost
{
public:
    static constexpr const char *IID = OPTIVERSE_IEDITINGHOST_IID;

    virtual ~IEditingHost() = default;

    /// @p userKey (shown as @p displayName, in @p color) edits exactly
    /// @p uuids now; an empty list: nothing (their outlines and banners go).
    virtual void setRemoteEditing(const QString &userKey, const QString &displayName, const QColor &color,
                                  const QList<QUuid> &uuids) = 0;

    /// Removes every remote user's outlines and banners.
    virtual void clearRemoteEditing() = 0;

    /// The items the local user has open in the host's properties dialog now.
    virtual QList<QUuid> localEditing() const = 0;

    /// Registers @p observer (not owned) for changes of localEditing().
    virtual void addEditingObserver(IEditingObserver *observer) = 0;

    /// Unregisters @p observer.
    virtual void removeEditingObserver(IEditingObserver *observer) = 0;
};

/**
 * Told when the local user opens or closes an item's properties (IEditingHost 1.0).
 * Owned by whoever registers it; unregister before destroying it. GUI thread.
 *
 * @since IEditingHost 1.0
 */
class IEditingObserver
{
public:
    virtual ~IEditingObserver() = default;

    /// The items the local user has open in the properties dialog are now exactly @p uuids.
    virtual void localEditingChanged(const QList<QUuid> &uuids) { Q_UNUSED(uuids) }
};

} // namespace Optiverse
