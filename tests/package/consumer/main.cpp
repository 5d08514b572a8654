// SPDX-License-Identifier: MIT
// Compiles every installed header and checks a plugin's metadata the way a
// host does before loading it (argument: the plugin file, optional).
#include <optiverse/changeorigin.h>
#include <optiverse/ihost.h>
#include <optiverse/iplugin.h>
#include <optiverse/ipresencehost.h>
#include <optiverse/ipresenceobserver.h>
#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>
#include <optiverse/iscenekeysobserver.h>
#include <optiverse/isceneobserver.h>
#include <optiverse/pluginmetadata.h>
#include <optiverse/sceneitem.h>

#include <QCoreApplication>
#include <QPluginLoader>
#include <QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    out << "contract " << OPTIVERSE_CONTRACT_VERSION_MAJOR << '.' << OPTIVERSE_CONTRACT_VERSION_MINOR << ", IID "
        << OPTIVERSE_IPLUGIN_IID << ", optional " << Optiverse::ISceneKeys::IID << '\n';
    if (argc < 2)
        return 0;
    const QString problem = Optiverse::pluginMetaDataProblem(QPluginLoader(QString::fromLocal8Bit(argv[1])).metaData());
    out << (problem.isEmpty() ? QStringLiteral("compatible plugin") : problem) << '\n';
    return problem.isEmpty() ? 0 : 1;
}
