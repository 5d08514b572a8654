// SPDX-License-Identifier: MIT
#pragma once

#include "changeorigin.h"

#include <QString>
#include <QStringList>
#include <QUuid>

/// Separately versioned optional interface, obtained with
/// Optiverse::queryInterface<Optiverse::ISceneKeys>(host).
#define OPTIVERSE_ISCENEKEYS_IID "org.optiverse.ISceneKeys/1.0"

namespace Optiverse {

class ISceneKeysObserver;

/**
 * Optional: deleting keys of an item's data, which IScene::updateItem (a
 * merge) cannot do, and being told when keys are deleted.
 *
 * Without it a key, once set, can only go with its item; with it, undoing an
 * update that added a key removes the key everywhere.
 *
 * Rules (in addition to IScene's command rules):
 * - removeKeys() with ChangeOrigin::Local goes on the undo stack (its undo
 *   puts the values back); with ChangeOrigin::Remote it never does.
 * - Every change that deletes keys of an item's data, whatever caused it
 *   (removeKeys(), the undo or redo of an update that had added a key, the
 *   host's own UI), is reported in this order, synchronously, after the change:
 *   1. ISceneKeysObserver::itemKeysRemoved(item, removedKeys, origin) to every
 *      observer registered here;
 *   2. ISceneObserver::itemUpdated(item, changedKeys, origin) to every scene
 *      observer, as in 1.0: changedKeys lists keys of the new data whose
 *      value changed, so it never names a deleted key and may be empty.
 *   @p item is the complete item after the change in both.
 * - The pose keys (x_mm, y_mm, angle_deg) cannot be deleted.
 *
 * Threading: GUI thread only. Owned by the host; valid from
 * IPlugin::initialize() until IPlugin::shutdown() returns.
 *
 * @since ISceneKeys 1.0 (contract 1.1)
 */
class ISceneKeys
{
public:
    static constexpr const char *IID = OPTIVERSE_ISCENEKEYS_IID;

    virtual ~ISceneKeys() = default;

    /**
     * Deletes @p keys from the data of item @p uuid. Keys the item does not
     * have are ignored; if none is deleted, returns true and notifies nobody.
     * Fails (changing nothing, @p errorString set if not null) if the item
     * is absent or @p keys names a pose key.
     */
    virtual bool removeKeys(const QUuid &uuid, const QStringList &keys, ChangeOrigin origin,
                            QString *errorString) = 0;

    /// Registers @p observer (not owned). Registering twice has no effect.
    virtual void addKeysObserver(ISceneKeysObserver *observer) = 0;

    /// Unregisters @p observer. Safe to call from inside a notification.
    virtual void removeKeysObserver(ISceneKeysObserver *observer) = 0;
};

} // namespace Optiverse
